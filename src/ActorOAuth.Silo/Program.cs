using ActorOAuth.Grains;

// A standalone silo hosting the ActorOAuth grains. Until the PostgreSQL providers are wired in,
// it runs with localhost clustering and in-memory storage and reminders.
var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo
    .UseLocalhostClustering()
    .AddMemoryGrainStorage(GrainStorage.Name)
    .UseInMemoryReminderService());
builder.Services.AddActorOAuthGrains();

var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok(new { status = "up" }));
app.Run();
