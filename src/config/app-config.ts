import { plainToInstance, Transform } from 'class-transformer';
import { isIP } from 'node:net';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidateBy,
} from 'class-validator';

/** A tick's schedule: a 5- or 6-field cron expression (Asia/Ho_Chi_Minh), or `off` (no tick). */
const CRON_OR_OFF = /^((\S+\s+){4,5}\S+|off)$/;

/**
 * The one typed, validated configuration. Nothing else in the codebase reads process.env:
 * everything goes through loadConfig(), which names every bad variable at start-up.
 */
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const toList = ({ value }: { value: unknown }) =>
  value === undefined || value === ''
    ? []
    : String(value)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** proxy-addr's names for address ranges (Fastify's trustProxy passes the list to it). */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** An IPv4/IPv6 address, an address/prefix (CIDR), or one of PROXY_RANGE_NAMES. */
export function isProxyAddress(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (PROXY_RANGE_NAMES.includes(value)) return true;
  const [address, prefix, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** The default of DATABASE_POOL_SIZE (see there); the soak benchmark runs the API with it. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/sla';

  /**
   * Connections per process. Sized to what the database can run at once, not to the requests in
   * flight: past a few backends per core of the database server, more connections only make them
   * queue for its CPUs together, and every answer waits behind all of them (docker/README.md,
   * "Connection budget", has the soak's figures for 20 against 10).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = DEFAULT_DATABASE_POOL_SIZE;

  /**
   * API only: how long (ms) a request waits for a database connection, free in the pool or newly
   * opened, before it is answered 503 SERVICE_UNAVAILABLE with Retry-After (0: it waits as long as it
   * takes). A stuck or unreachable database then turns into a clear answer the client may retry, not
   * requests piling up behind the pool. The worker always waits: its jobs are background work.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  DATABASE_POOL_TIMEOUT_MS = 10_000;

  /**
   * Streaming replicas (comma-separated PostgreSQL URLs) that serve reports, public lookups and
   * lists; empty: every read goes to DATABASE_URL. A replica behind the user's own last write, more
   * than DATABASE_READ_MAX_LAG_MS behind the primary, or unreachable is skipped for the primary.
   */
  @Transform(toList)
  @IsUrl(
    { protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true },
    { each: true, message: 'each DATABASE_READ_URL entry must be a postgres:// URL' },
  )
  DATABASE_READ_URL: string[] = [];

  /** A replica further behind the primary than this (ms) is not read from, and readiness warns. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DATABASE_READ_MAX_LAG_MS = 10_000;

  /** How often (ms) each process checks its replicas' replay position and the primary's. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  DATABASE_READ_CHECK_MS = 1000;

  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /**
   * Redis Sentinels (comma-separated host:port). When set, every Redis client asks them for the
   * current master named REDIS_SENTINEL_MASTER (REDIS_URL then only gives the password and the
   * database number) and follows a failover.
   */
  @Transform(toList)
  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, {
    each: true,
    message: 'each REDIS_SENTINELS entry must be host:port',
  })
  REDIS_SENTINELS: string[] = [];

  @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'REDIS_SENTINEL_MASTER must be a Sentinel master name' })
  REDIS_SENTINEL_MASTER = 'mymaster';

  /** Key prefix of every BullMQ queue, so several deployments can share one Redis. */
  @Matches(/^[a-z0-9_-]{1,40}$/i, { message: 'QUEUE_PREFIX must be 1-40 letters, digits, - or _' })
  QUEUE_PREFIX = 'sla';

  @IsString()
  @MinLength(3)
  ADMIN_USERNAME = 'admin';

  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'ADMIN_PASSWORD must be at least 8 characters' })
  ADMIN_PASSWORD?: string;

  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET!: string;

  /** Secrets that were in use before a rotation: tokens they signed stay valid until they expire. */
  @Transform(toList)
  @MinLength(32, { each: true, message: 'each JWT_PREVIOUS_SECRETS entry must be at least 32 characters' })
  JWT_PREVIOUS_SECRETS: string[] = [];

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(7 * 24 * 3600)
  JWT_EXPIRES_IN_SECONDS = 8 * 3600;

  /** Failed sign-ins allowed per username and client address within the window. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_WINDOW_SECONDS = 15 * 60;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  /**
   * Comma-separated addresses or CIDR ranges of the reverse proxies in front of the API (or
   * loopback, linklocal, uniquelocal). A request from one of them is taken to come from the address
   * its X-Forwarded-For names (and over X-Forwarded-Proto), so that sign-in throttling, the public
   * lookup limit and the audit trail see each client, not the proxy. Empty (the default): no proxy
   * is trusted and the forwarding headers are ignored (anyone could write them).
   */
  @Transform(toList)
  @ValidateBy(
    { name: 'isProxyAddress', validator: { validate: isProxyAddress } },
    {
      each: true,
      message:
        'each TRUST_PROXY entry must be an IP address, a CIDR range (10.0.0.0/8) or loopback, linklocal, uniquelocal',
    },
  )
  TRUST_PROXY: string[] = [];

  /**
   * Transparency (the lobby board, public statistics): each answer is computed once per this many
   * seconds per key and shared through Redis by every viewer and API instance.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  TRANSPARENCY_CACHE_SECONDS = 30;

  /** Comma-separated allowed origins; empty keeps CORS closed. */
  @Transform(toList)
  CORS_ORIGINS: string[] = [];

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  PUBLIC_BASE_URL?: string;

  @IsOptional()
  @IsUrl({ protocols: ['smtp', 'smtps'], require_tld: false, require_protocol: true })
  SMTP_URL?: string;

  @IsString()
  SMTP_FROM = 'SLA tracker <no-reply@localhost>';

  /** Cron expression (Asia/Ho_Chi_Minh) of the SLA scan tick; default every minute. */
  @Matches(CRON_OR_OFF, { message: 'SLA_SCAN_CRON must be a 5- or 6-field cron expression, or off' })
  SLA_SCAN_CRON = '* * * * *';

  /** Cron expression of the sweeps that re-enqueue work Redis may have lost (recomputations, deliveries). */
  @Matches(CRON_OR_OFF, { message: 'SWEEP_CRON must be a 5- or 6-field cron expression, or off' })
  SWEEP_CRON = '*/5 * * * *';

  /** Cron expression of the tick folding report deltas into the daily summaries (reports stay exact either way). */
  @Matches(CRON_OR_OFF, { message: 'REPORTS_COMPACT_CRON must be a 5- or 6-field cron expression, or off' })
  REPORTS_COMPACT_CRON = '* * * * *';

  /** Cron expression of the worker heartbeat tick. */
  @Matches(CRON_OR_OFF, { message: 'HEARTBEAT_CRON must be a 5- or 6-field cron expression, or off' })
  HEARTBEAT_CRON = '* * * * *';

  /** How long (ms) a process reuses the calendar version it read; 0 reads it on every use. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  CALENDAR_CACHE_MS = 1000;

  /** How long (ms) a process reuses the catalogue (units, procedures) it holds before re-reading its version; 0 on every use. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  CATALOGUE_CACHE_MS = 1000;

  /** Port of the worker's Prometheus endpoint (GET /metrics: jobs, deliveries, scans); 0 = off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT = 0;

  /** Jobs each worker process runs at once, per queue. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 4;

  /** Seconds a worker waits for in-flight jobs on SIGTERM before it gives up. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SHUTDOWN_TIMEOUT_SECONDS = 30;

  /** Tries of one alert delivery (e-mail or webhook) before it is marked failed and left for a person to see. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  DELIVERY_MAX_ATTEMPTS = 8;

  /** Delay before the first retry of a delivery, in ms; it doubles at every further try (exponential backoff). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  DELIVERY_BACKOFF_MS = 2000;

  /** Time allowed for one webhook POST (connecting, sending, and the receiver's answer), in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 5000;

  @Transform(toBool)
  SWAGGER_ENABLED = true;

  // Messages to citizens (docs/http-api.md "Messages to citizens"). Empty = that channel is off.

  /** Zalo ZNS template-message endpoint. */
  @IsUrl({ require_tld: false, require_protocol: true })
  ZALO_ZNS_URL = 'https://business.openapi.zalo.me/message/template';

  /** Zalo OAuth v4 endpoint that trades the refresh token for an access token. */
  @IsUrl({ require_tld: false, require_protocol: true })
  ZALO_OAUTH_URL = 'https://oauth.zaloapp.com/v4/oa/access_token';

  @IsOptional() @IsString() ZALO_APP_ID?: string;
  /** The app's secret key: the OAuth `secret_key` header, and the key of the event signatures Zalo sends back. */
  @IsOptional() @IsString() ZALO_SECRET_KEY?: string;
  /** The first refresh token (Zalo rotates it at every refresh; the newest is kept in the database). */
  @IsOptional() @IsString() ZALO_REFRESH_TOKEN?: string;

  /** The SMS brandname gateway's send endpoint (eSMS.vn's JSON API shape). */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  SMS_GATEWAY_URL?: string;

  @IsOptional() @IsString() SMS_API_KEY?: string;
  @IsOptional() @IsString() SMS_SECRET_KEY?: string;
  @IsOptional() @IsString() SMS_BRANDNAME?: string;

  /** Messages (SMS and Zalo together) one phone number receives per local day at most; the rest wait for the next morning. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  MESSAGES_DAILY_CAP_PER_PHONE = 10;

  /** Time allowed for one call to an SMS or Zalo provider, in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  MESSAGES_TIMEOUT_MS = 10_000;

  /** Calls to one provider (SMS gateway, Zalo, SMTP for citizens) a worker has in flight at most. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  MESSAGES_PROVIDER_CONCURRENCY = 64;

  /**
   * Months of the alert and delivery ledgers kept: the worker drops their monthly partitions once the
   * whole month is older than this (open alerts and pending deliveries are kept); 0 keeps everything.
   * Dossier events are the record and are never dropped.
   */
  @Transform(toInt)
  @IsInt({ message: 'LEDGER_RETENTION_MONTHS must be a whole number of months (0 = keep the ledgers for ever)' })
  @Min(0)
  @Max(1200)
  LEDGER_RETENTION_MONTHS = 0;

  /** A fed dossier whose sender's NgayHenTra differs from our due instant by more than this is listed (minutes). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(525_600)
  INTEGRATION_MISMATCH_MINUTES = 60;

  /** National portal sync (DongBoHoSoMC / CapNhatTienDoHoSoMC): the login URL; empty = the sync is off. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PORTAL_SYNC_AUTH_URL?: string;

  /** The portal's integration URL (the envelope is POSTed there); empty = the sync is off. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PORTAL_SYNC_URL?: string;

  @IsOptional()
  @IsString()
  PORTAL_SYNC_USERNAME?: string;

  @IsOptional()
  @IsString()
  PORTAL_SYNC_PASSWORD?: string;

  /** The sending unit's code on the portal (the envelope's madonvi). */
  @IsOptional()
  @IsString()
  PORTAL_SYNC_MADONVI?: string;

  /** Time allowed for one call to the portal (login or envelope), in ms. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  PORTAL_SYNC_TIMEOUT_MS = 10_000;

  /** Tries of one dossier's sync job before it waits for the next sweep (it stays in the failed list). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  PORTAL_SYNC_MAX_ATTEMPTS = 6;

  /** Delay before the first retry of a sync, in ms; doubling at every further try. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  PORTAL_SYNC_BACKOFF_MS = 5000;

  /** Cron expression of the sweep handing dossiers waiting for the portal to the worker (default every minute). */
  @Matches(CRON_OR_OFF, { message: 'PORTAL_SYNC_CRON must be a 5- or 6-field cron expression, or off' })
  PORTAL_SYNC_CRON = '* * * * *';

  /**
   * Dossiers sent to the portal per second at most, across every worker (BullMQ's limiter on the
   * portal queue, kept in Redis); each dossier is its record and its progress items, usually two
   * calls. Imported history waits behind live changes. 0 = no limit.
   */
  @Transform(toInt)
  @IsNumber(
    { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 },
    { message: 'PORTAL_SYNC_DOSSIERS_PER_SECOND must be a number of dossiers per second (0 = no limit)' },
  )
  @Min(0)
  @Max(1000)
  PORTAL_SYNC_DOSSIERS_PER_SECOND = 10;

  /**
   * The pause of the whole sync when the portal answers 429 (or 503) without a usable Retry-After,
   * in seconds.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  PORTAL_SYNC_PAUSE_DEFAULT_SECONDS = 30;

  /** The longest pause a portal's Retry-After may impose on the whole sync, in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  PORTAL_SYNC_PAUSE_MAX_SECONDS = 600;

  /**
   * How often the worker looks for live changes waiting for the portal and hands them over at once
   * (ms): an intake or an action reaches the portal within about this, not at the next sweep.
   * 0 = only the sweep (PORTAL_SYNC_CRON).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  PORTAL_SYNC_LIVE_POLL_MS = 1000;

  /** The failed-sync list may hold this many dossiers; past it, admins get a portal_sync_failing alert. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  PORTAL_SYNC_ALERT_THRESHOLD = 20;
}

export type AppConfig = Readonly<EnvironmentVariables>;

/** Optional variables without a default (absent from a fresh instance's keys). */
const OPTIONAL_KEYS = [
  'ZALO_APP_ID',
  'ZALO_SECRET_KEY',
  'ZALO_REFRESH_TOKEN',
  'SMS_GATEWAY_URL',
  'SMS_API_KEY',
  'SMS_SECRET_KEY',
  'SMS_BRANDNAME',
  'PORTAL_SYNC_AUTH_URL',
  'PORTAL_SYNC_URL',
  'PORTAL_SYNC_USERNAME',
  'PORTAL_SYNC_PASSWORD',
  'PORTAL_SYNC_MADONVI',
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an environment (process.env by default) into the typed configuration or throws a ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new EnvironmentVariables());
  const input: Record<string, string> = {};
  for (const key of [...known, 'JWT_SECRET', 'ADMIN_PASSWORD', 'PUBLIC_BASE_URL', 'SMTP_URL', ...OPTIONAL_KEYS]) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const config = plainToInstance(EnvironmentVariables, input, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, forbidUnknownValues: true });
  const problems = errors.map((e) => {
    const reasons = Object.values(e.constraints ?? {}).join('; ');
    return `${e.property}: ${reasons || 'invalid value'}`;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

export const APP_CONFIG = Symbol('APP_CONFIG');
