/**
 * jcstress tests of {@link dev.hakmem.cache.ThreadCaches}' striped caches, which virtual threads
 * share: a stripe is held with a CAS for one operation and given back with a release store.
 */
package dev.hakmem.concurrency.cache;
