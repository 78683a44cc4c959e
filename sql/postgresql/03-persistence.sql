-- ActorOAuth on PostgreSQL, part 3 of 4: grain state (Microsoft.Orleans.Persistence.AdoNet 10.4.2).
--
-- One row per grain and state: the ConnectionGrain's settings, tokens, status and log; the pending
-- authorization states; the per-tenant connection index. payloadbinary holds what the silo's grain
-- storage serializer produced, which in cluster mode is AES-256-GCM ciphertext (see README, "Encryption
-- at rest"): no token or client secret is ever stored in plain text. The 10.4.2 provider only ever
-- sends a binary payload, so there are no JSON or XML payload columns.
--
-- version is the ETag: every write passes the version it read, and a write against a newer version
-- changes nothing (Orleans then raises InconsistentStateException instead of losing an update).

CREATE TABLE IF NOT EXISTS orleansstorage
(
    grainidhash            integer      NOT NULL,
    grainidn0              bigint       NOT NULL,
    grainidn1              bigint       NOT NULL,
    graintypehash          integer      NOT NULL,
    graintypestring        varchar(512) NOT NULL,
    grainidextensionstring varchar(512) NULL,
    serviceid              varchar(150) NOT NULL,
    payloadbinary          bytea        NULL,
    modifiedon             timestamptz  NOT NULL DEFAULT now(),
    version                integer      NOT NULL
);

-- One row per grain: lookups start with the two hashes, and a concurrent first write of the same grain
-- (split brain) inserts only once.
CREATE UNIQUE INDEX IF NOT EXISTS ux_orleansstorage_grain
    ON orleansstorage (grainidhash, graintypehash, serviceid, grainidn0, grainidn1, graintypestring,
                       (coalesce(grainidextensionstring, '')));

-- Returns the new version, or NULL when nothing was written (version conflict or, for a first write,
-- another writer got there first).
CREATE OR REPLACE FUNCTION actoroauth_storage_write(
    p_grainidhash integer, p_grainidn0 bigint, p_grainidn1 bigint, p_graintypehash integer,
    p_graintypestring varchar, p_grainidextensionstring varchar, p_serviceid varchar,
    p_version integer, p_payloadbinary bytea)
    RETURNS integer
    LANGUAGE plpgsql
AS $body$
DECLARE
    v_written integer;
BEGIN
    IF p_version IS NULL THEN
        INSERT INTO orleansstorage
            (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring,
             serviceid, payloadbinary, modifiedon, version)
        VALUES
            (p_grainidhash, p_grainidn0, p_grainidn1, p_graintypehash, p_graintypestring, p_grainidextensionstring,
             p_serviceid, p_payloadbinary, now(), 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO v_written;
    ELSE
        UPDATE orleansstorage
           SET payloadbinary = p_payloadbinary, modifiedon = now(), version = version + 1
         WHERE grainidhash = p_grainidhash AND graintypehash = p_graintypehash AND serviceid = p_serviceid
           AND grainidn0 = p_grainidn0 AND grainidn1 = p_grainidn1 AND graintypestring = p_graintypestring
           AND coalesce(grainidextensionstring, '') = coalesce(p_grainidextensionstring, '')
           AND version = p_version
        RETURNING version INTO v_written;
    END IF;

    RETURN v_written;
END
$body$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('WriteToStorageKey', $q$
    SELECT actoroauth_storage_write(
        @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString,
        @ServiceId, @GrainStateVersion, @PayloadBinary) AS NewGrainStateVersion;
$q$),

('ReadFromStorageKey', $q$
    SELECT payloadbinary AS PayloadBinary, version AS Version
      FROM orleansstorage
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash AND serviceid = @ServiceId
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
       AND coalesce(grainidextensionstring, '') = coalesce(@GrainIdExtensionString, '');
$q$),

-- Used when DeleteStateOnClear is off: keeps the row (and its version), drops the payload.
('ClearStorageKey', $q$
    UPDATE orleansstorage
       SET payloadbinary = NULL, modifiedon = now(), version = version + 1
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash AND serviceid = @ServiceId
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
       AND coalesce(grainidextensionstring, '') = coalesce(@GrainIdExtensionString, '')
       AND version = @GrainStateVersion
    RETURNING version AS NewGrainStateVersion;
$q$),

-- Used when DeleteStateOnClear is on (the ActorOAuth silo's setting): a deleted connection leaves no row.
('DeleteStorageKey', $q$
    DELETE FROM orleansstorage
     WHERE grainidhash = @GrainIdHash AND graintypehash = @GrainTypeHash AND serviceid = @ServiceId
       AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1 AND graintypestring = @GrainTypeString
       AND coalesce(grainidextensionstring, '') = coalesce(@GrainIdExtensionString, '')
       AND version = @GrainStateVersion
    RETURNING version + 1 AS NewGrainStateVersion;
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
