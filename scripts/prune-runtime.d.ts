/** scripts/prune-runtime.js: what the Docker image leaves out of node_modules. */
export declare const REMOVED_PACKAGES: readonly string[];
export declare const REMOVED_FILES: RegExp;
