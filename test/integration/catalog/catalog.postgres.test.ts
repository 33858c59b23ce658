import { openStore } from '../../../src/storage/database.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';
import { describeCatalogContract } from './catalog.contract.js';

describeCatalogContract('PostgreSQL server', async () => {
  if (!requirePostgres()) return null;
  return openStore({ databaseUrl: await freshDatabase('catalog_contract') });
});
