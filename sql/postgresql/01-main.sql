-- ActorOAuth on PostgreSQL, part 1 of 4: the query table.
--
-- Orleans' ADO.NET providers (Microsoft.Orleans.*.AdoNet 10.4.2, Invariant "Npgsql") never embed SQL:
-- at start each provider reads its statements from orleansquery by key, binds its parameters by name
-- (@DeploymentId, @GrainIdHash, ...) and reads result columns by name (case-insensitively). Parts 2-4
-- store the statements this project's schema answers with.
--
-- Every part is idempotent: tables and indexes are created only when missing, functions are replaced,
-- and query rows are upserted, so re-running the scripts is how a changed query reaches an existing
-- database. Run them in file-name order; `dotnet run --project src/ActorOAuth.Silo -- migrate` does.

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) NOT NULL,
    querytext text        NOT NULL,
    CONSTRAINT pk_orleansquery PRIMARY KEY (querykey)
);
