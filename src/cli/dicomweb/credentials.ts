/**
 * DICOMweb credentials for the CLI and queue workers: `--user` / `--password` or `--token`, else
 * the environment (DICOMWEB_USER, DICOMWEB_PASSWORD, DICOMWEB_TOKEN; preferred: flags are
 * visible to other local users in the process list). Values are never echoed in messages.
 */
import { UsageError } from '../../core/errors.js';
import type { DicomWebAuth } from '../../io/dicomweb/http.js';

export interface CredentialFlags {
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly token?: string | undefined;
}

export function resolveDicomWebAuth(flags: CredentialFlags, env: Readonly<Record<string, string | undefined>>): DicomWebAuth | undefined {
  const fromFlags = flags.user !== undefined || flags.password !== undefined || flags.token !== undefined;
  const user = fromFlags ? flags.user : env['DICOMWEB_USER'];
  const password = fromFlags ? flags.password : env['DICOMWEB_PASSWORD'];
  const token = fromFlags ? flags.token : env['DICOMWEB_TOKEN'];
  const where = fromFlags ? '--user / --password / --token' : 'DICOMWEB_USER / DICOMWEB_PASSWORD / DICOMWEB_TOKEN';
  if (token !== undefined && token !== '' && (user || password))
    throw new UsageError(`${where}: give a user and password or a token, not both`, { field: 'auth' });
  if (token) return { kind: 'bearer', token };
  if (password && !user) throw new UsageError(`${where}: a password needs a user`, { field: 'auth' });
  if (user) return { kind: 'basic', user, password: password ?? '' };
  return undefined;
}
