/**
 * The content-addressed artifact store on local disk: one file per sha256, written
 * atomically, verified on the way in, plus a cache of computed deltas. It is a cache of what
 * the model archive topic holds, so a replica that loses its disk rebuilds it by replaying
 * the topic.
 */
package dev.distill.publisher.store;
