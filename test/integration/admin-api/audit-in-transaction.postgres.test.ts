import { openStore } from '../../../src/storage/database.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';
import { describeAuditInTransactionContract } from './audit-in-transaction.contract.js';

describeAuditInTransactionContract('PostgreSQL server', async () => {
  if (!requirePostgres()) return null;
  return openStore({ databaseUrl: await freshDatabase('audit_in_transaction') });
});
