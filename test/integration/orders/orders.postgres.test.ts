import { openStore } from '../../../src/storage/database.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';
import { describeOrdersContract } from './orders.contract.js';

describeOrdersContract('PostgreSQL server', async () => {
  if (!requirePostgres()) return null;
  return openStore({ databaseUrl: await freshDatabase('orders') });
});
