// Who sits where in a simulated fleet: one province per city broker, communes spread over the
// cities, gateways spread over the communes. Ids follow the config's rules ([a-z0-9][a-z0-9_-]*), so
// that scripts/make-certs issues their certificates and the CN paths match the topics.

export interface CommuneSpot {
  id: string;
  province: string;
  /** Index of its city broker. */
  city: number;
}

export interface GatewaySpot {
  id: string;
  province: string;
  commune: string;
  /** Index of its commune broker. */
  communeIndex: number;
}

export interface FleetLayout {
  provinces: string[];
  communes: CommuneSpot[];
  gateways: GatewaySpot[];
  /** The gateway of the backlog scenario: commune 0, outside `gateways`. */
  backlog: GatewaySpot;
}

export const CENTRE_NAME = 'fleet';
export const SERVER_NAME = 'fleet';

export function fleetLayout(gateways: number, communes: number, cities: number): FleetLayout {
  const provinces = Array.from({ length: cities }, (_, i) => `p${i + 1}`);
  const cs: CommuneSpot[] = Array.from({ length: communes }, (_, j) => ({ id: `c${String(j + 1).padStart(2, '0')}`, province: provinces[j % cities]!, city: j % cities }));
  const spot = (id: string, j: number): GatewaySpot => ({ id, province: cs[j]!.province, commune: cs[j]!.id, communeIndex: j });
  return {
    provinces,
    communes: cs,
    gateways: Array.from({ length: gateways }, (_, k) => spot(`gw-${String(k + 1).padStart(4, '0')}`, k % communes)),
    backlog: spot('gw-backlog', 0),
  };
}
