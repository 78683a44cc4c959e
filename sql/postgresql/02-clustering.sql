-- ActorOAuth on PostgreSQL, part 2 of 4: cluster membership (Microsoft.Orleans.Clustering.AdoNet 10.4.2).
--
-- One version row per cluster (DeploymentId = the Orleans ClusterId) and one row per silo incarnation.
-- Every membership change bumps the version row in the same transaction (optimistic concurrency: the
-- caller passes the version it read). Silo status values: 3 = Active, 6 = Dead.
-- Silos write here; API processes (Orleans clients) only read the gateway list.

CREATE TABLE IF NOT EXISTS orleansmembershipversiontable
(
    deploymentid varchar(150)   NOT NULL,
    updatedat    timestamptz(3) NOT NULL DEFAULT now(),
    version      integer        NOT NULL DEFAULT 0,
    CONSTRAINT pk_orleansmembershipversiontable PRIMARY KEY (deploymentid)
);

CREATE TABLE IF NOT EXISTS orleansmembershiptable
(
    deploymentid varchar(150)   NOT NULL,
    address      varchar(45)    NOT NULL,
    port         integer        NOT NULL,
    generation   integer        NOT NULL,
    siloname     varchar(150)   NOT NULL,
    hostname     varchar(150)   NOT NULL,
    status       integer        NOT NULL,
    proxyport    integer        NULL,
    suspecttimes varchar(8000)  NULL,
    starttime    timestamptz(3) NOT NULL,
    iamalivetime timestamptz(3) NOT NULL,
    CONSTRAINT pk_orleansmembershiptable PRIMARY KEY (deploymentid, address, port, generation),
    CONSTRAINT fk_orleansmembershiptable_version FOREIGN KEY (deploymentid)
        REFERENCES orleansmembershipversiontable (deploymentid)
);

-- Adds a silo row and bumps the version, both or neither. Returns 1 on success, 0 when the version
-- moved on since the caller read it or the row already exists.
CREATE OR REPLACE FUNCTION actoroauth_membership_insert(
    p_deploymentid varchar, p_address varchar, p_port integer, p_generation integer,
    p_siloname varchar, p_hostname varchar, p_status integer, p_proxyport integer,
    p_starttime timestamptz, p_iamalivetime timestamptz, p_version integer)
    RETURNS integer
    LANGUAGE plpgsql
AS $body$
BEGIN
    UPDATE orleansmembershipversiontable
       SET version = version + 1, updatedat = now()
     WHERE deploymentid = p_deploymentid AND version = p_version;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    INSERT INTO orleansmembershiptable
        (deploymentid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
    VALUES
        (p_deploymentid, p_address, p_port, p_generation, p_siloname, p_hostname, p_status, p_proxyport, p_starttime, p_iamalivetime)
    ON CONFLICT (deploymentid, address, port, generation) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'membership row exists' USING ERRCODE = 'AO001';
    END IF;

    RETURN 1;
EXCEPTION
    -- Undoes the version bump above: this block is its own subtransaction.
    WHEN SQLSTATE 'AO001' THEN
        RETURN 0;
END
$body$;

-- Updates a silo row and bumps the version, both or neither; 1 on success, 0 otherwise.
CREATE OR REPLACE FUNCTION actoroauth_membership_update(
    p_deploymentid varchar, p_address varchar, p_port integer, p_generation integer,
    p_status integer, p_suspecttimes varchar, p_iamalivetime timestamptz, p_version integer)
    RETURNS integer
    LANGUAGE plpgsql
AS $body$
BEGIN
    UPDATE orleansmembershipversiontable
       SET version = version + 1, updatedat = now()
     WHERE deploymentid = p_deploymentid AND version = p_version;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    UPDATE orleansmembershiptable
       SET status = p_status, suspecttimes = p_suspecttimes, iamalivetime = p_iamalivetime
     WHERE deploymentid = p_deploymentid AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'membership row missing' USING ERRCODE = 'AO001';
    END IF;

    RETURN 1;
EXCEPTION
    WHEN SQLSTATE 'AO001' THEN
        RETURN 0;
END
$body$;

INSERT INTO orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey', $q$
    WITH inserted AS (
        INSERT INTO orleansmembershipversiontable (deploymentid)
        VALUES (@DeploymentId)
        ON CONFLICT (deploymentid) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM inserted;
$q$),

('InsertMembershipKey', $q$
    SELECT actoroauth_membership_insert(
        @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
        @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);
$q$),

('UpdateMembershipKey', $q$
    SELECT actoroauth_membership_update(
        @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime, @Version);
$q$),

-- Heartbeat; deliberately not versioned (Orleans expects it never to conflict).
('UpdateIAmAlivetimeKey', $q$
    UPDATE orleansmembershiptable
       SET iamalivetime = @IAmAliveTime
     WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
$q$),

-- The version row always comes back, with or without a matching silo row.
('MembershipReadRowKey', $q$
    SELECT v.deploymentid AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.siloname AS SiloName, m.hostname AS HostName, m.status AS Status, m.proxyport AS ProxyPort,
           m.suspecttimes AS SuspectTimes, m.starttime AS StartTime, m.iamalivetime AS IAmAliveTime,
           v.version AS Version
      FROM orleansmembershipversiontable v
      LEFT JOIN orleansmembershiptable m
        ON m.deploymentid = v.deploymentid
       AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
     WHERE v.deploymentid = @DeploymentId;
$q$),

('MembershipReadAllKey', $q$
    SELECT v.deploymentid AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.siloname AS SiloName, m.hostname AS HostName, m.status AS Status, m.proxyport AS ProxyPort,
           m.suspecttimes AS SuspectTimes, m.starttime AS StartTime, m.iamalivetime AS IAmAliveTime,
           v.version AS Version
      FROM orleansmembershipversiontable v
      LEFT JOIN orleansmembershiptable m ON m.deploymentid = v.deploymentid
     WHERE v.deploymentid = @DeploymentId;
$q$),

('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM orleansmembershiptable WHERE deploymentid = @DeploymentId;
    DELETE FROM orleansmembershipversiontable WHERE deploymentid = @DeploymentId;
$q$),

-- What Orleans clients (the API processes) connect to: active silos with a gateway port.
('GatewaysQueryKey', $q$
    SELECT address AS Address, proxyport AS ProxyPort, generation AS Generation
      FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND status = @Status AND proxyport > 0;
$q$),

-- Required by the 10.4.2 provider (it refuses to start without it); used only when the per-row query
-- below is missing. Removes rows of silos that stopped heart-beating before the cut-off and are not active.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND iamalivetime < @IAmAliveTime AND status <> 3;
$q$),

-- Preferred by 10.4.2 when present: deletes one dead row only if it is still exactly what the provider
-- read (no heartbeat, vote or restart slipped in between).
('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM orleansmembershiptable
     WHERE deploymentid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
       AND status = 6
       AND starttime = @StartTime AND iamalivetime = @IAmAliveTime
       AND suspecttimes IS NOT DISTINCT FROM @SuspectTimes;
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
