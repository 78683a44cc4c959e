using ActorOAuth.Api;

var app = ActorOAuthApp.Build(args);
app.Lifetime.ApplicationStarted.Register(() => StartupBanner.Print(app));
app.Run();
