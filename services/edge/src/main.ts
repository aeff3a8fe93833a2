// `npm run -w @junction/edge start`: the edge on JUNCTION_EDGE_PORT (8080).
import { exitOnSignals } from "@junction/platform";
import { startEdge } from "./edge.js";

exitOnSignals(await startEdge());
