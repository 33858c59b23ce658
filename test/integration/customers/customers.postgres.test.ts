import { openStore } from '../../../src/storage/database.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';
import { describeCustomersContract } from './customers.contract.js';

describeCustomersContract('PostgreSQL server', async () => {
  if (!requirePostgres()) return null;
  return openStore({ databaseUrl: await freshDatabase('customers') });
});
