import { Module } from '@nestjs/common';
import { HTML_ERROR_PAGES } from 'src/common/error.filter';
import { ConsoleController, PublicPageController } from 'src/console/console.controller';
import { ConsoleErrorPages } from 'src/console/error-pages';
import { ConsoleSession } from 'src/console/session';
import { DossiersModule } from 'src/dossiers/dossiers.module';
import { PortalSyncModule } from 'src/portal-sync/portal-sync.module';
import { PublicModule } from 'src/public/public.module';
import { ReportsModule } from 'src/reports/reports.module';
import { SlaModule } from 'src/sla/sla.module';

/**
 * The staff console and the citizens' lookup page: server-rendered HTML from typed
 * template functions (src/console/html.ts), a little CSS, no client framework and no build step.
 * Pages call the same services as the API, with the signed-in user, so roles and unit scoping
 * are the API's own. Forms post as application/x-www-form-urlencoded (@fastify/formbody). An error
 * a page does not answer itself (an unknown address, a malformed id, the database unavailable)
 * reaches the browser as a page too (ConsoleErrorPages), never as the API's JSON.
 */
@Module({
  imports: [DossiersModule, SlaModule, PublicModule, ReportsModule, PortalSyncModule],
  controllers: [ConsoleController, PublicPageController],
  providers: [ConsoleSession, { provide: HTML_ERROR_PAGES, useClass: ConsoleErrorPages }],
  // The global error filter answers the pages' errors (an unknown page, a 503) as pages.
  exports: [HTML_ERROR_PAGES],
})
export class ConsoleModule {}
