/**
 * Where caredesk may post replies. An activity names its channel's
 * `serviceUrl`, and every reply to that customer, now or days later, is POSTed
 * there — with the bot's token when there are credentials. Taken on trust, it
 * would let whoever posts one activity make caredesk call any address it can
 * reach (cloud metadata at 169.254.169.254, internal services) and hand the
 * bot's token to a host of their choosing.
 *
 * - With MICROSOFT_APP_ID: https to the hosts Microsoft's channels reply from
 *   (CHANNEL_HOSTS), plus BOTFRAMEWORK_SERVICE_URL_HOSTS.
 * - Without (a local trial): http(s) to this machine (localhost, 127.0.0.0/8,
 *   ::1), where the dev chat listens, plus BOTFRAMEWORK_SERVICE_URL_HOSTS.
 *
 * Hosts on the setting's list may be http or https: the operator named them.
 */

/**
 * Microsoft's channel hosts: Web Chat, Direct Line (regional ones too), Slack,
 * Facebook… under botframework.com and its US-government and 21Vianet twins;
 * Teams in the public cloud, GCC, GCC High and DoD. Not `*.trafficmanager.net`:
 * anyone can name an Azure Traffic Manager profile there.
 */
export const CHANNEL_HOSTS: readonly string[] = [
  '*.botframework.com',
  '*.botframework.azure.us',
  '*.botframework.azure.cn',
  'smba.trafficmanager.net',
  'smba.infra.gcc.teams.microsoft.com',
  'smba.infra.gov.teams.microsoft.us',
  'smba.infra.dod.teams.microsoft.us',
];

export interface ServiceUrlPolicyOptions {
  /** MICROSOFT_APP_ID is set: Microsoft's channel hosts, not this machine. */
  readonly withCredentials: boolean;
  /** BOTFRAMEWORK_SERVICE_URL_HOSTS: exact hosts, or `*.example.com` for any host under it. */
  readonly extraHosts?: readonly string[];
}

/** Why a service URL is refused, or undefined when replies may go there. */
export type ServiceUrlPolicy = (serviceUrl: string) => string | undefined;

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4})$/;

/** `*.example.com` matches any host under example.com (not example.com itself); anything else matches exactly. */
export function hostMatches(host: string, pattern: string): boolean {
  const p = pattern.trim().toLowerCase().replace(/\.$/, '');
  return p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p;
}

export function serviceUrlPolicy(options: ServiceUrlPolicyOptions): ServiceUrlPolicy {
  const extra = options.extraHosts ?? [];
  const onList = (host: string, list: readonly string[]) => list.some((p) => hostMatches(host, p));
  return (serviceUrl) => {
    let url: URL;
    try {
      url = new URL(serviceUrl);
    } catch {
      return 'serviceUrl: not a URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'serviceUrl: only http and https are allowed';
    if (url.username || url.password) return 'serviceUrl: a URL with a user name or password is not accepted';
    // WHATWG URL has already lower-cased the host and written numeric IPv4 forms (2130706433, 0x7f.1) as dotted quads.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
    if (onList(host, extra)) return undefined;
    if (options.withCredentials) {
      if (onList(host, CHANNEL_HOSTS)) {
        return url.protocol === 'https:'
          ? undefined
          : 'serviceUrl: Microsoft channel hosts are reached over https only';
      }
      return `serviceUrl: ${host} is not a Bot Framework channel host; if it is yours, add it to BOTFRAMEWORK_SERVICE_URL_HOSTS`;
    }
    if (LOOPBACK_HOST.test(host)) return undefined;
    return `serviceUrl: without MICROSOFT_APP_ID replies go to this machine only (localhost, 127.0.0.1, ::1), not ${host}; add the host to BOTFRAMEWORK_SERVICE_URL_HOSTS if it is yours`;
  };
}
