// The dependency fault suite (test/support/dependency-fault-suite.ts) through the TypeScript edge.
import { dependencyFaultSuite } from "../support/dependency-fault-suite.js";

dependencyFaultSuite("typescript");
