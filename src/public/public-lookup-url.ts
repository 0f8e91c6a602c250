import type { AppConfig } from 'src/config/app-config';

/**
 * The address a citizen opens to look a dossier up (printed as a QR code on the receipt): the
 * lookup page `/tra-cuu/{code}` that this service serves (phone-sized, no sign-in), under
 * PUBLIC_BASE_URL (the public origin the service or the provincial portal is reached at); without
 * it, `http://localhost:{PORT}`, which serves a development or stand-alone deployment.
 */
export function publicLookupUrl(config: Pick<AppConfig, 'PUBLIC_BASE_URL' | 'PORT'>, code: string): string {
  const base = config.PUBLIC_BASE_URL ? config.PUBLIC_BASE_URL.replace(/\/+$/, '') : `http://localhost:${config.PORT}`;
  return `${base}/tra-cuu/${encodeURIComponent(code)}`;
}
