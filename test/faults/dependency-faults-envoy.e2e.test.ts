// The dependency fault suite (test/support/dependency-fault-suite.ts) through the real Envoy, the
// services calling each other through its internal listener as under npm start.
import { tool } from "../../packages/platform/test/support/tools.js";
import { dependencyFaultSuite } from "../support/dependency-fault-suite.js";

tool("envoy"); // fails with the setup hint when it is not installed
dependencyFaultSuite("envoy");
