/**
 * The server side of the operators' web console, on the admin port: the pipeline as Kafka shows
 * it (topic end offsets and rates, consumer groups' lag, dead letters by reason, the teacher in
 * use; {@link dev.distill.publisher.console.PipelineWatch}), what each model learned and which
 * candidates the trainers' gate judged ({@link dev.distill.publisher.console.CandidateLog}), an
 * event stream that tells an open page when to re-read ({@link dev.distill.publisher.console.ConsoleStreams}),
 * and the page itself as static files ({@link dev.distill.publisher.console.ConsoleApi}).
 */
package dev.distill.publisher.console;
