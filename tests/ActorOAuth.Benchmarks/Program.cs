using ActorOAuth.Benchmarks;

return await Cli.RunAsync(args);
