import type { AppConfig } from 'src/config/app-config';

/**
 * The address a citizen opens to look a dossier up (printed as a QR code on the receipt).
 * With PUBLIC_BASE_URL (the provincial portal's origin) it is the portal's lookup page
 * `{PUBLIC_BASE_URL}/tra-cuu/{code}`; without it, this API's own public endpoint
 * `http://localhost:{PORT}/api/v1/public/dossiers/{code}` (JSON), which serves a development or
 * stand-alone deployment, where the service is reached on its own port.
 */
export function publicLookupUrl(config: Pick<AppConfig, 'PUBLIC_BASE_URL' | 'PORT'>, code: string): string {
  const segment = encodeURIComponent(code);
  if (config.PUBLIC_BASE_URL) return `${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/tra-cuu/${segment}`;
  return `http://localhost:${config.PORT}/api/v1/public/dossiers/${segment}`;
}
