# The ActorOAuth API image (actoroauth/api): the published ActorOAuth.Api, no sandbox inside. Build from the repository root:
#   docker build -f deploy/docker/api.Dockerfile -t actoroauth/api:0.1.0 .
# Runs as the base image's unprivileged user and writes nothing outside /tmp, so the root filesystem can be read-only.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the build files alone, so a code change does not restore again.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/ActorOAuth.Abstractions/ActorOAuth.Abstractions.csproj src/ActorOAuth.Abstractions/
COPY src/ActorOAuth.Grains/ActorOAuth.Grains.csproj src/ActorOAuth.Grains/
COPY src/ActorOAuth.Sandbox/ActorOAuth.Sandbox.csproj src/ActorOAuth.Sandbox/
COPY src/ActorOAuth.Api/ActorOAuth.Api.csproj src/ActorOAuth.Api/
RUN dotnet restore src/ActorOAuth.Api/ActorOAuth.Api.csproj
COPY src/ src/
RUN dotnet publish src/ActorOAuth.Api/ActorOAuth.Api.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "ActorOAuth.Api.dll"]
