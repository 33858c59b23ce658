import { openStore } from '../../../src/storage/database.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';
import { describeSegmentContract } from './segments.contract.js';

describeSegmentContract('PostgreSQL server', async () => {
  if (!requirePostgres()) return null;
  return openStore({ databaseUrl: await freshDatabase('segments') });
});
