import type { AnyResource } from '../../api/types.js';
import type { ResourceInfo } from '../../server/kinds.js';
import { collectionPath, objectPath } from '../../server/kinds.js';
import type { Query } from '../client.js';
import type { CommandContext } from '../context.js';
import { CliError, formatError } from '../errors.js';
import { tableRows } from '../format/columns.js';
import type { OutputFormat } from '../format/objects.js';
import { parseOutputFormat, resourceName, toJson, toList, toYaml } from '../format/objects.js';
import { TablePrinter } from '../format/table.js';
import { parseResourceArgs } from '../resource-args.js';
import { isAbortError, readWatchEvents, streamReadError } from '../watch-stream.js';

export interface GetOptions {
  output?: string;
  selector?: string;
  watch?: boolean;
  allNamespaces?: boolean;
}

interface ListResponse {
  items: AnyResource[];
}

/** Runs `get TYPE [NAME...]`: prints objects as a table, JSON, YAML or names. Returns the exit code. */
export async function runGet(
  context: CommandContext,
  args: readonly string[],
  options: GetOptions,
): Promise<number> {
  const format = parseOutputFormat(options.output);
  if (format === undefined) {
    throw new CliError(
      `unable to match a printer suitable for the output format ${JSON.stringify(options.output)}, allowed formats are: json,name,wide,yaml`,
    );
  }
  const { info, targets } = parseResourceArgs(args);
  const allNamespaces = options.allNamespaces === true && targets.length === 0;
  const printer = new ObjectPrinter(context, info, format, allNamespaces);

  if (targets.length > 0) {
    if (options.watch === true && targets.length > 1) {
      throw new CliError(
        'watch is only supported on individual resources and resource collections',
      );
    }
    const names = targets.map((target) => target.name);
    const { found, exitCode } = await printNamed(context, printer, names);
    if (options.watch === true && exitCode === 0) {
      const query = { fieldSelector: `metadata.name=${names[0] ?? ''}` };
      await watch(context, printer, info, query, context.namespace, found);
    }
    return exitCode;
  }

  const namespace = allNamespaces ? undefined : context.namespace;
  const query: Query = { labelSelector: options.selector };
  const list = await context.client.get<ListResponse>(collectionPath(info, namespace), query);
  if (list.items.length === 0 && (format === 'json' || format === 'yaml')) {
    printer.printList([]);
  } else if (list.items.length === 0) {
    const where = namespace === undefined ? '' : ` in ${namespace} namespace`;
    context.out.stderr(`No resources found${where}.\n`);
  } else {
    printer.printList(list.items);
  }

  if (options.watch === true) await watch(context, printer, info, query, namespace, list.items);
  return 0;
}

async function printNamed(
  context: CommandContext,
  printer: ObjectPrinter,
  names: readonly string[],
): Promise<{ found: AnyResource[]; exitCode: number }> {
  const found: AnyResource[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      found.push(
        await context.client.get<AnyResource>(objectPath(printer.info, context.namespace, name)),
      );
    } catch (error) {
      errors.push(formatError(error));
    }
  }
  if (found.length === 1 && names.length === 1) printer.printOne(found[0] as AnyResource);
  else if (found.length > 0) printer.printList(found);
  for (const error of errors) context.out.stderr(error);
  return { found, exitCode: errors.length === 0 ? 0 : 1 };
}

/**
 * Follows the watch after the initial listing and prints each object that changed since, like
 * `kubectl get --watch`. Ends when the server closes the stream or the command is interrupted.
 * Throws WatchEndedError with the server's message when the server ends the watch with an ERROR
 * event, and StreamEndedEarlyError when the connection breaks.
 */
async function watch(
  context: CommandContext,
  printer: ObjectPrinter,
  info: ResourceInfo,
  query: Query,
  namespace: string | undefined,
  listed: readonly AnyResource[],
): Promise<void> {
  const seen = new Map<string, number>();
  for (const item of listed)
    seen.set(item.metadata.uid ?? '', Number(item.metadata.resourceVersion));

  try {
    const body = await context.client.stream(collectionPath(info, namespace), {
      ...query,
      watch: 'true',
    });
    for await (const event of readWatchEvents(body)) {
      const uid = event.object.metadata.uid ?? '';
      const version = Number(event.object.metadata.resourceVersion);
      const previous = seen.get(uid);
      if (event.type !== 'DELETED' && previous !== undefined && previous >= version) continue;
      seen.set(uid, version);
      printer.printWatched(event.object);
    }
  } catch (error) {
    if (!isAbortError(error)) throw streamReadError('watch', error);
  }
}

/** Prints objects in one output format, keeping table column widths across watch events. */
class ObjectPrinter {
  private readonly table = new TablePrinter();
  private headerPrinted = false;

  constructor(
    private readonly context: CommandContext,
    readonly info: ResourceInfo,
    private readonly format: OutputFormat,
    private readonly allNamespaces: boolean,
  ) {}

  printOne(object: AnyResource): void {
    if (this.format === 'json') this.context.out.stdout(toJson(object));
    else if (this.format === 'yaml') this.context.out.stdout(toYaml(object));
    else this.printList([object]);
  }

  printList(objects: readonly AnyResource[]): void {
    if (this.format === 'json') {
      this.context.out.stdout(toJson(toList(objects)));
    } else if (this.format === 'yaml') {
      this.context.out.stdout(toYaml(toList(objects)));
    } else if (this.format === 'name') {
      this.context.out.stdout(objects.map((object) => `${resourceName(object)}\n`).join(''));
    } else {
      this.printRows(objects);
    }
  }

  /** Prints the object of one watch event. YAML documents get a `---` separator. */
  printWatched(object: AnyResource): void {
    if (this.format === 'json') this.context.out.stdout(toJson(object));
    else if (this.format === 'yaml') this.context.out.stdout(`---\n${toYaml(object)}`);
    else this.printList([object]);
  }

  private printRows(objects: readonly AnyResource[]): void {
    const { header, rows } = tableRows(this.info.kind, objects, {
      wide: this.format === 'wide',
      allNamespaces: this.allNamespaces,
      now: this.context.now(),
    });
    const lines = this.headerPrinted ? rows : [header, ...rows];
    this.headerPrinted = true;
    this.context.out.stdout(this.table.format(lines));
  }
}
