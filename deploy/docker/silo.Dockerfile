# The ActorOAuth silo image (actoroauth/silo): the published ActorOAuth.Silo with sql/postgresql beside it, for the
# silo Deployment (`run`) and the migration Job (`migrate`). Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile -t actoroauth/silo:0.1.0 .
# Runs as the base image's unprivileged user and writes nothing outside /tmp, so the root filesystem can be read-only.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the build files alone, so a code change does not restore again.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/ActorOAuth.Abstractions/ActorOAuth.Abstractions.csproj src/ActorOAuth.Abstractions/
COPY src/ActorOAuth.Grains/ActorOAuth.Grains.csproj src/ActorOAuth.Grains/
COPY src/ActorOAuth.Silo/ActorOAuth.Silo.csproj src/ActorOAuth.Silo/
RUN dotnet restore src/ActorOAuth.Silo/ActorOAuth.Silo.csproj
COPY src/ src/
COPY sql/ sql/
RUN dotnet publish src/ActorOAuth.Silo/ActorOAuth.Silo.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "ActorOAuth.Silo.dll"]
CMD ["run"]
