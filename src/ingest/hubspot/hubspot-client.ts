import { z } from 'zod';

/**
 * The three HubSpot CRM API reads the webhook needs, over fetch with HUBSPOT_ACCESS_TOKEN:
 * an owner's email, a company's current name/owner/stage, and the company a deal belongs to.
 * HUBSPOT_API_URL points it elsewhere (a local fake in tests). No retries: a failed look-up is
 * tried again on the company's next event, and HubSpot wants its webhook answered within seconds.
 */

export class HubSpotApiError extends Error {
  readonly code = 'HUBSPOT_API';
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'HubSpotApiError';
  }
}

export interface HubSpotOwner {
  id: string;
  email: string | null;
  name: string | null;
}

export interface HubSpotCompany {
  id: string;
  name: string | null;
  ownerId: string | null;
  lifecycleStage: string | null;
}

const ownerSchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  email: z.string().nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
});

const companySchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  properties: z.record(z.string(), z.string().nullish()).default({}),
});

const associationsSchema = z.looseObject({
  results: z.array(
    z.looseObject({
      toObjectId: z.union([z.string(), z.number()]),
      associationTypes: z.array(z.looseObject({ typeId: z.number().optional(), label: z.string().nullish() })).default([]),
    }),
  ),
});

/** HubSpot's built-in "Primary" deal → company association type. */
const PRIMARY_DEAL_TO_COMPANY = 5;

export class HubSpotClient {
  readonly #baseUrl: string;

  constructor(
    private readonly accessToken: string,
    baseUrl: string,
  ) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** GET /crm/v3/owners/{ownerId}; null when HubSpot knows no such (active) owner. */
  async owner(ownerId: string, signal?: AbortSignal): Promise<HubSpotOwner | null> {
    const body = await this.#get(`/crm/v3/owners/${encodeURIComponent(ownerId)}`, signal);
    if (body === null) return null;
    const owner = parse(ownerSchema, body, 'owner');
    const name = [owner.firstName, owner.lastName].filter((part) => part && part.trim()).join(' ').trim();
    return { id: String(owner.id), email: owner.email?.trim().toLowerCase() || null, name: name || null };
  }

  /** GET /crm/v3/objects/companies/{id}: the properties the bot keeps; null when it does not exist. */
  async company(companyId: string, signal?: AbortSignal): Promise<HubSpotCompany | null> {
    const body = await this.#get(`/crm/v3/objects/companies/${encodeURIComponent(companyId)}?properties=name,hubspot_owner_id,lifecyclestage`, signal);
    if (body === null) return null;
    const company = parse(companySchema, body, 'company');
    const p = company.properties;
    return { id: String(company.id), name: p['name']?.trim() || null, ownerId: p['hubspot_owner_id']?.trim() || null, lifecycleStage: p['lifecyclestage']?.trim() || null };
  }

  /**
   * GET /crm/v4/objects/deals/{id}/associations/companies: the deal's primary company, else the
   * first one listed; null when the deal has no company (or no longer exists).
   */
  async dealCompany(dealId: string, signal?: AbortSignal): Promise<string | null> {
    const body = await this.#get(`/crm/v4/objects/deals/${encodeURIComponent(dealId)}/associations/companies`, signal);
    if (body === null) return null;
    const { results } = parse(associationsSchema, body, 'deal associations');
    const primary = results.find((r) => r.associationTypes.some((t) => t.typeId === PRIMARY_DEAL_TO_COMPANY || t.label === 'Primary'));
    const chosen = primary ?? results[0];
    return chosen ? String(chosen.toObjectId) : null;
  }

  async #get(path: string, signal?: AbortSignal): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.#baseUrl}${path}`, {
        headers: { authorization: `Bearer ${this.accessToken}`, accept: 'application/json' },
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : error instanceof Error ? error.message : String(error);
      throw new HubSpotApiError(null, `HubSpot API ${path.split('?')[0]}: ${reason}`);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      const hint = res.status === 401 || res.status === 403 ? ' (check HUBSPOT_ACCESS_TOKEN and its scopes)' : '';
      throw new HubSpotApiError(res.status, `HubSpot API ${path.split('?')[0]}: HTTP ${res.status}${hint}`);
    }
    try {
      return (await res.json()) as unknown;
    } catch {
      throw new HubSpotApiError(res.status, `HubSpot API ${path.split('?')[0]}: answered with something that is not JSON`);
    }
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HubSpotApiError(200, `HubSpot API ${what}: unexpected answer (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}
