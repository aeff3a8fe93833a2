// `npm run events -- <command>`: streams, provisioning and dead letters of the event backbone.
// See docs/events.md, or run `npm run events -- --help`.
import { runEventsCommand } from "@junction/tools/events-cli/cli";

process.exitCode = await runEventsCommand(process.argv.slice(2));
