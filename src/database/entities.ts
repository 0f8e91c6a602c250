import { UserEntity } from 'src/auth/user.entity';
import { UnitEntity } from 'src/catalogue/unit.entity';

/** Every TypeORM entity, registered once for the app, the worker and the CLI. */
export const ENTITIES = [UserEntity, UnitEntity];
