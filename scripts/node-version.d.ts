/** Types for node-version.js (plain JavaScript so it runs before tsx is loaded). */
export declare const MIN_NODE: string;
export declare const MIN_NODE_ELECTRON_DOWNLOAD: string;
export declare function isAtLeast(version: string, minimum: string): boolean;
export declare function nodeVersionProblem(what: string, version: string): string | null;
export declare function requireNode(what: string): void;
