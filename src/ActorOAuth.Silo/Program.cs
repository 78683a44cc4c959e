using ActorOAuth.Silo;

// `dotnet run --project src/ActorOAuth.Silo [-- run|migrate|reencrypt|new-key] [--Setting=value ...]`
return await SiloCommands.RunAsync(args);
