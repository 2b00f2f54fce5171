import type { Migration } from 'kysely';
import * as m0001 from './0001-core-schema.js';
import * as m0002 from './0002-celebrations.js';
import * as m0003 from './0003-account-search.js';
import * as m0004 from './0004-crm.js';
import * as m0005 from './0005-nudges.js';
import * as m0006 from './0006-sweep-indexes.js';
import * as m0007 from './0007-inbox-apply.js';
import * as m0008 from './0008-celebration-singles.js';
import * as m0009 from './0009-job-leases.js';
import * as m0010 from './0010-stripe-same-money.js';
import * as m0011 from './0011-outbox-backlog-index.js';
import * as m0012 from './0012-feedback.js';
import * as m0013 from './0013-opened-views.js';
import * as m0014 from './0014-top-ten-arrows.js';
import * as m0015 from './0015-books-oauth.js';
import * as m0016 from './0016-outbox-retention.js';
import * as m0017 from './0017-top-totals.js';
import * as m0018 from './0018-nudge-row-checks.js';
import * as m0019 from './0019-sweep-accounts-by-id.js';
import * as m0020 from './0020-accounts-room-to-update.js';

/**
 * Every migration, in order. Listed by hand rather than read from the folder so the same list
 * works from source (tests), from the build, and in the Docker image. Forward-only: there is no `down`.
 */
export const migrations: Record<string, Migration> = {
  '0001-core-schema': m0001,
  '0002-celebrations': m0002,
  '0003-account-search': m0003,
  '0004-crm': m0004,
  '0005-nudges': m0005,
  '0006-sweep-indexes': m0006,
  '0007-inbox-apply': m0007,
  '0008-celebration-singles': m0008,
  '0009-job-leases': m0009,
  '0010-stripe-same-money': m0010,
  '0011-outbox-backlog-index': m0011,
  '0012-feedback': m0012,
  '0013-opened-views': m0013,
  '0014-top-ten-arrows': m0014,
  '0015-books-oauth': m0015,
  '0016-outbox-retention': m0016,
  '0017-top-totals': m0017,
  '0018-nudge-row-checks': m0018,
  '0019-sweep-accounts-by-id': m0019,
  '0020-accounts-room-to-update': m0020,
};
