import { openStore } from '../../../src/storage/database.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';
import { describeLoyaltyProperties } from './loyalty-properties.contract.js';

describeLoyaltyProperties('PostgreSQL server', async () => {
  if (!requirePostgres()) return null;
  return openStore({ databaseUrl: await freshDatabase('loyalty_props') });
});
