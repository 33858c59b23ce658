import { openStore } from '../../../src/storage/database.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';
import { describeImportContract } from './import.contract.js';

describeImportContract('PostgreSQL server', async () => {
  if (!requirePostgres()) return null;
  return openStore({ databaseUrl: await freshDatabase('import_contract') });
});
