import { UserEntity } from 'src/auth/user.entity';
import { CalendarChangeEntity } from 'src/calendar/calendar-change.entity';
import { CalendarDayEntity } from 'src/calendar/calendar-day.entity';
import { CalendarSettingsEntity } from 'src/calendar/calendar-settings.entity';
import { ProcedureEntity } from 'src/catalogue/procedure.entity';
import { ProcedureVersionEntity } from 'src/catalogue/procedure-version.entity';
import { UnitEntity } from 'src/catalogue/unit.entity';

/** Every TypeORM entity, registered once for the app, the worker and the CLI. */
export const ENTITIES = [
  UserEntity,
  UnitEntity,
  CalendarSettingsEntity,
  CalendarDayEntity,
  CalendarChangeEntity,
  ProcedureEntity,
  ProcedureVersionEntity,
];
