import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { findAccount, findAccountsByAnyExternalId } from '../accounts/account-queries.js';
import { resolveAccountName } from '../accounts/account-search.js';
import type { Account, Database } from '../db/schema.js';
import { ConfigError, type Config } from '../config.js';
import { createContext } from '../context.js';
import { UsageError, ValidationError } from '../errors.js';
import { createLogger } from '../log.js';
import { makeFeedbackLink } from './feedback-links.js';
import { feedbackSettings } from './feedback-settings.js';

const USAGE = 'usage: appreciation-bot feedback-link <account external id or name>';

/**
 * `appreciation-bot feedback-link acme` prints the account's feedback link on stdout, credited to
 * the account's owner (nobody in particular when it has none). The account is found by an
 * external id first (from any source), then by name as `/feedback` finds it; a name that fits
 * several accounts, or none, is refused with the candidates.
 */
export async function runFeedbackLinkCommand(args: string[], config: Config): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
  const query = positionals.join(' ').trim();
  if (query === '') throw new UsageError(`feedback-link needs an account; ${USAGE}`);
  const settings = feedbackSettings(config);
  if (settings === null) {
    throw new ConfigError(['FEEDBACK_SECRET: is not set, so feedback links are off; set it to a random value of at least 32 characters (e.g. openssl rand -base64 32) and PUBLIC_URL to the address customers reach the bot at']);
  }
  const log = createLogger({ level: config.logLevel, destination: process.stderr });
  const context = await createContext(config, { log, defaultMetrics: false });
  try {
    const account = await findAccountFor(context.database.db, query);
    const link = makeFeedbackLink(settings, { accountId: account.id, repId: account.owner_id }, context.clock.now());
    process.stdout.write(`${link.url}\n`);
    return 0;
  } finally {
    await context.close();
  }
}

async function findAccountFor(db: Kysely<Database>, query: string): Promise<Account> {
  const byId = await findAccountsByAnyExternalId(db, query);
  if (byId.length === 1) return byId[0]!;
  if (byId.length > 1) throw new ValidationError(`external id "${query}" names ${byId.length} accounts (${names(byId)}); give the account's name instead`);
  const resolution = await resolveAccountName(db, query);
  switch (resolution.kind) {
    case 'found': {
      const account = await findAccount(db, resolution.account.id);
      if (account === null) throw new ValidationError(`no account is called "${query}"`);
      return account;
    }
    case 'ambiguous':
      throw new ValidationError(`more than one account fits "${query}": ${names(resolution.choices)}${resolution.more > 0 ? ` and ${resolution.more} more` : ''}; type more of the name or its external id`);
    case 'none':
      throw new ValidationError(`no account has the external id or name "${query}"${resolution.suggestions.length > 0 ? `; the closest: ${names(resolution.suggestions)}` : ''}`);
  }
}

function names(accounts: ReadonlyArray<{ name: string }>): string {
  return accounts.map((a) => `"${a.name.replace(/\s+/g, ' ').trim()}"`).join(', ');
}
