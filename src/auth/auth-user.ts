import type { Role } from 'src/auth/user.entity';

/** The signed-in user as the guard attaches it to the request. */
export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  unitId: string | null;
}
