import type { GatewayContext } from './gateway.ts';
import type { Principal } from './principal.ts';

/** Set by the HTTP host (client address) or by the router itself for in-process operations. */
export interface RouterServerContext {
  clientIp?: string | undefined;
  /** Only in-process callers (subscription guard and hydration) set this; HTTP requests never can. */
  principal?: Principal;
}

export interface RouterContext extends GatewayContext {
  principal: Principal;
  clientIp?: string | undefined;
}
