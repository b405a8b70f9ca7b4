// ONVIF scopes are URIs such as onvif://www.onvif.org/hardware/DS-2CD2143G2 or
// onvif://www.onvif.org/name/Junction%202. Vendors put spaces, %-escapes and extra levels in them.

/** What scopes say about a device; empty strings where the camera does not say. */
export interface ScopeInfo {
  manufacturer: string;
  model: string;
  name: string;
  location: string;
  /** Profiles the device claims: letters upper-cased (S, T, G...), names as the scope spells them (Streaming). */
  profiles: string[];
}

/** Parses a whitespace-separated scope list (the WS-Discovery Scopes element). */
export function parseScopes(scopes: string | string[]): ScopeInfo {
  const list = Array.isArray(scopes) ? scopes : scopes.split(/\s+/).filter(Boolean);
  const out: ScopeInfo = { manufacturer: '', model: '', name: '', location: '', profiles: [] };
  for (const scope of list) {
    const m = /^onvif:\/\/www\.onvif\.org\/([^/]+)\/(.*)$/i.exec(scope.trim());
    if (!m) continue;
    const kind = m[1]!.toLowerCase();
    const value = decode(m[2]!);
    if (kind === 'hardware' && !out.model) out.model = value;
    else if (kind === 'name' && !out.name) out.name = value;
    else if ((kind === 'mfr' || kind === 'manufacturer') && !out.manufacturer) out.manufacturer = value;
    else if (kind === 'location' && !out.location) out.location = value.replace(/^(country|city)\//i, '');
    else if (kind === 'profile' && value) out.profiles.push(profileName(value));
  }
  if (!out.manufacturer) out.manufacturer = guessManufacturer(out.name, out.model);
  return out;
}

/** "T", "profile_t" → "T"; "Streaming" stays "Streaming" (ONVIF's name for Profile S). */
function profileName(value: string): string {
  const letter = /^(?:profile[\s_-]?)?([a-z])$/i.exec(value);
  return letter ? letter[1]!.toUpperCase() : value;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' ')).replace(/\/$/, '').trim();
  } catch {
    return s.trim();
  }
}

/**
 * Many firmwares put no mfr scope and write the brand into name ("HIKVISION DS-2CD...") instead.
 * The first word of name counts as the brand only when name is longer than the model.
 */
function guessManufacturer(name: string, model: string): string {
  const words = name.split(/[\s_]+/);
  if (words.length > 1 && model && name.includes(model)) return words[0]!;
  return '';
}
