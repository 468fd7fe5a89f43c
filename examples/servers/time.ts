/**
 * A small MCP time server over stdio, written with the SDK: the current time
 * in a timezone, and a time converted between two zones. It is the server the
 * original mcpo uses as its example, rebuilt here so the examples run offline.
 *
 * Run it under mcpo:  npx tsx examples/embed.ts   (or see examples/config.json)
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const localZone = process.argv.find((a) => a.startsWith('--local-timezone='))?.split('=')[1]
  ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

function checkZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new Error(`Unknown timezone "${zone}"; use an IANA name such as Europe/Paris`);
  }
}

/** Wall-clock parts of an instant in a zone. */
function partsIn(zone: string, at: Date): Record<string, string> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
    weekday: 'long', timeZoneName: 'longOffset',
  }).formatToParts(at);
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

function describe(zone: string, at: Date) {
  const p = partsIn(zone, at);
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : (p.timeZoneName ?? 'GMT+00:00').replace('GMT', '');
  return {
    timezone: zone,
    datetime: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`,
    day_of_week: p.weekday,
    utc_offset: offset,
  };
}

/** Minutes east of UTC for a zone at an instant. */
function offsetMinutes(zone: string, at: Date): number {
  const { utc_offset } = describe(zone, at);
  const sign = utc_offset.startsWith('-') ? -1 : 1;
  const [h, m] = utc_offset.slice(1).split(':').map(Number);
  return sign * ((h ?? 0) * 60 + (m ?? 0));
}

const server = new McpServer(
  { name: 'mcpo-example-time', version: '1.0.0' },
  { instructions: `Time tools. The local timezone is ${localZone}.` },
);

server.registerTool(
  'get_current_time',
  {
    title: 'Current time',
    description: 'The current time in an IANA timezone.',
    // The example is what Swagger UI's "Try it out" starts from: a zone that works, not "string".
    inputSchema: { timezone: z.string().describe(`IANA timezone name, e.g. Europe/Paris (local: ${localZone})`).meta({ examples: [localZone] }) },
  },
  async ({ timezone }) => {
    const zone = checkZone(timezone);
    return { content: [{ type: 'text', text: JSON.stringify(describe(zone, new Date())) }] };
  },
);

server.registerTool(
  'convert_time',
  {
    title: 'Convert time',
    description: 'Convert a wall-clock time today from one timezone to another.',
    inputSchema: {
      source_timezone: z.string().describe('IANA timezone of the given time').meta({ examples: [localZone] }),
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).describe('24-hour time, HH:MM').meta({ examples: ['14:30'] }),
      target_timezone: z.string().describe('IANA timezone to convert to').meta({ examples: ['Europe/Warsaw'] }),
    },
  },
  async ({ source_timezone, time, target_timezone }) => {
    const source = checkZone(source_timezone);
    const target = checkZone(target_timezone);
    const [hh, mm] = time.split(':').map(Number);
    const today = partsIn(source, new Date());
    const wallAsUtc = Date.UTC(Number(today.year), Number(today.month) - 1, Number(today.day), hh, mm);
    const instant = new Date(wallAsUtc - offsetMinutes(source, new Date(wallAsUtc)) * 60_000);
    const diffHours = (offsetMinutes(target, instant) - offsetMinutes(source, instant)) / 60;
    const result = {
      source: describe(source, instant),
      target: describe(target, instant),
      time_difference: `${diffHours >= 0 ? '+' : ''}${diffHours}h`,
    };
    return { content: [{ type: 'text', text: JSON.stringify(result) }] };
  },
);

await server.connect(new StdioServerTransport());
// The SDK's stdio transport does not end the process when its client goes away; a server should.
process.stdin.once('end', () => process.exit(0));
