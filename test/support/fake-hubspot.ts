// A local fake of the HubSpot CRM API reads the bot makes (owners, companies, deal → company
// associations): point HUBSPOT_API_URL at `fake.url`. Answers in HubSpot's shapes, records every
// call, and can fail the next calls to a path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeHubSpotOwner {
  id: string;
  email: string;
  firstName?: string;
  lastName?: string;
}

export interface FakeHubSpotCompany {
  id: string;
  properties: Record<string, string | null>;
}

export interface HubSpotApiCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The bearer token sent, or null. */
  token: string | null;
  status: number;
}

export interface FakeHubSpot {
  /** e.g. `http://127.0.0.1:PORT`, for HUBSPOT_API_URL. */
  readonly url: string;
  readonly accessToken: string;
  readonly calls: HubSpotApiCall[];
  /** Calls whose path starts with `pathPrefix`, e.g. `/crm/v3/owners/`. */
  callsTo(pathPrefix: string): HubSpotApiCall[];
  /** Answer the next `times` requests whose path starts with `pathPrefix` with `status`. */
  failNext(pathPrefix: string, status?: number, times?: number): void;
  /** Hold the answer to the next `times` requests whose path starts with `pathPrefix` for `ms`. */
  delayNext(pathPrefix: string, ms: number, times?: number): void;
  setOwner(owner: FakeHubSpotOwner): void;
  setCompany(company: FakeHubSpotCompany): void;
  /** The companies a deal is associated with; the first is its primary company. */
  setDealCompanies(dealId: string, companyIds: string[]): void;
  /** Forget calls, faults and data. */
  reset(): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

class FakeHubSpotServer implements FakeHubSpot {
  readonly calls: HubSpotApiCall[] = [];
  url = '';
  private readonly server: Server;
  private readonly owners = new Map<string, FakeHubSpotOwner>();
  private readonly companies = new Map<string, FakeHubSpotCompany>();
  private readonly deals = new Map<string, string[]>();
  private readonly faults: Array<{ prefix: string; status: number; remaining: number }> = [];
  private readonly delays: Array<{ prefix: string; ms: number; remaining: number }> = [];
  private readonly held = new Set<NodeJS.Timeout>();

  constructor(readonly accessToken: string) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  callsTo(pathPrefix: string): HubSpotApiCall[] {
    return this.calls.filter((c) => c.path.startsWith(pathPrefix));
  }

  failNext(pathPrefix: string, status = 500, times = 1): void {
    this.faults.push({ prefix: pathPrefix, status, remaining: times });
  }

  delayNext(pathPrefix: string, ms: number, times = 1): void {
    this.delays.push({ prefix: pathPrefix, ms, remaining: times });
  }

  setOwner(owner: FakeHubSpotOwner): void {
    this.owners.set(owner.id, owner);
  }

  setCompany(company: FakeHubSpotCompany): void {
    this.companies.set(company.id, company);
  }

  setDealCompanies(dealId: string, companyIds: string[]): void {
    this.deals.set(dealId, companyIds);
  }

  reset(): void {
    this.calls.length = 0;
    this.faults.length = 0;
    this.delays.length = 0;
    this.owners.clear();
    this.companies.clear();
    this.deals.clear();
  }

  async close(): Promise<void> {
    for (const timer of this.held) clearTimeout(timer);
    this.held.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const delay = this.delays.find((d) => path.startsWith(d.prefix) && d.remaining > 0);
    if (!delay) return this.answer(req, res);
    delay.remaining -= 1;
    if (delay.remaining === 0) this.delays.splice(this.delays.indexOf(delay), 1);
    const timer = setTimeout(() => {
      this.held.delete(timer);
      this.answer(req, res);
    }, delay.ms);
    this.held.add(timer);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const call: HubSpotApiCall = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), token, status: 200 };
    this.calls.push(call);
    const answer = (status: number, body: Json) => {
      call.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
    };

    const fault = this.faults.find((f) => url.pathname.startsWith(f.prefix) && f.remaining > 0);
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return answer(fault.status, hubspotError('INTERNAL_ERROR', `fake-hubspot: injected HTTP ${fault.status}`));
    }
    if (token !== this.accessToken) {
      return answer(401, hubspotError('INVALID_AUTHENTICATION', 'Authentication credentials not found. This API supports OAuth 2.0 authentication.'));
    }
    if (req.method !== 'GET') return answer(405, hubspotError('VALIDATION_ERROR', `fake-hubspot: ${req.method} is not supported`));

    let match = /^\/crm\/v3\/owners\/([^/]+)$/.exec(url.pathname);
    if (match) {
      const owner = this.owners.get(decodeURIComponent(match[1] ?? ''));
      if (!owner) return answer(404, hubspotError('OBJECT_NOT_FOUND', 'Resource not found'));
      return answer(200, ownerObject(owner));
    }
    match = /^\/crm\/v3\/objects\/companies\/([^/]+)$/.exec(url.pathname);
    if (match) {
      const company = this.companies.get(decodeURIComponent(match[1] ?? ''));
      if (!company) return answer(404, hubspotError('OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.'));
      const wanted = (url.searchParams.get('properties') ?? '').split(',').filter(Boolean);
      return answer(200, companyObject(company, wanted));
    }
    match = /^\/crm\/v4\/objects\/deals\/([^/]+)\/associations\/companies$/.exec(url.pathname);
    if (match) {
      const companies = this.deals.get(decodeURIComponent(match[1] ?? '')) ?? [];
      return answer(200, {
        results: companies.map((id, i) => ({
          toObjectId: Number(id),
          associationTypes:
            i === 0
              ? [
                  { category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' },
                  { category: 'HUBSPOT_DEFINED', typeId: 341, label: null },
                ]
              : [{ category: 'HUBSPOT_DEFINED', typeId: 341, label: null }],
        })),
      });
    }
    return answer(404, hubspotError('OBJECT_NOT_FOUND', `fake-hubspot: no route ${url.pathname}`));
  }
}

function hubspotError(category: string, message: string): Json {
  return { status: 'error', message, correlationId: '00000000-0000-4000-8000-000000000000', category };
}

function ownerObject(owner: FakeHubSpotOwner): Json {
  return {
    id: owner.id,
    email: owner.email,
    type: 'PERSON',
    firstName: owner.firstName ?? '',
    lastName: owner.lastName ?? '',
    userId: 9586504,
    userIdIncludingInactive: 9586504,
    createdAt: '2019-12-25T13:01:35.228Z',
    updatedAt: '2023-08-22T13:40:26.790Z',
    archived: false,
  };
}

function companyObject(company: FakeHubSpotCompany, wanted: string[]): Json {
  const properties: Record<string, string | null> = { createdate: '2022-12-13T15:39:28.441Z', hs_lastmodifieddate: '2022-12-13T15:39:28.638Z', hs_object_id: company.id };
  for (const name of wanted) properties[name] = company.properties[name] ?? null;
  return { id: company.id, properties, createdAt: '2022-12-13T15:39:28.441Z', updatedAt: '2022-12-13T15:39:28.638Z', archived: false };
}

export async function startFakeHubSpot(options: { accessToken?: string } = {}): Promise<FakeHubSpot> {
  const fake = new FakeHubSpotServer(options.accessToken ?? 'pat-na1-fake-token');
  await fake.listen();
  return fake;
}
