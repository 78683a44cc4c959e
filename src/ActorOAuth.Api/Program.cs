using ActorOAuth.Api;

// `dotnet run --project src/ActorOAuth.Api [-- new-api-key --tenant T] [--Setting=value ...]`
if (ApiCommands.TryRun(args, Console.Out, Console.Error) is { } exitCode)
{
    return exitCode;
}

var app = ActorOAuthApp.Build(args);
app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app));
app.Run();
return 0;
