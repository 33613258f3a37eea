package dev.vlmesh.ingest.jobs;

import dev.vlmesh.events.Ids;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.quarkus.Problem.ProblemException;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.api.Problems;
import dev.vlmesh.ingest.idempotency.IdempotencyStore;
import dev.vlmesh.ingest.idempotency.IdempotencyStore.Claim;
import dev.vlmesh.ingest.idempotency.IdempotencyStore.Proceed;
import dev.vlmesh.ingest.idempotency.IdempotencyStore.Replay;
import dev.vlmesh.ingest.media.MediaStore;
import dev.vlmesh.ingest.metrics.IngestMetrics;
import dev.vlmesh.ingest.tenants.JobLedger;
import dev.vlmesh.ingest.uploads.UploadService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Accepts one job, in the order that keeps the promises: idempotency claim, queued-job cap, media durably stored
 * (content-addressed; uploads verified first), then the {@link JobSubmitted} event acknowledged by Kafka. Only then is
 * the answer 202. If the store or the broker fails, nothing half-made is left: stored media are just content-addressed
 * bytes no job points to, and the idempotency key is released with its job id kept, so a retry creates that same job.
 */
@ApplicationScoped
public class JobService {
    private static final Logger LOG = Logger.getLogger(JobService.class);

    @Inject
    IngestConfig config;

    @Inject
    IdempotencyStore idempotency;

    @Inject
    JobLedger ledger;

    @Inject
    MediaStore mediaStore;

    @Inject
    UploadService uploads;

    @Inject
    SubmissionProducer producer;

    @Inject
    IngestMetrics metrics;

    /** A validated request ready to be submitted. {@code source} tags metrics: multipart, json, batch. */
    public record Submission(String tenant, ValidatedJob job, List<MediaInput> media, String fingerprint,
                             String source) {
    }

    /** The answer: status and body, and whether it is the stored answer to an earlier request with the same key. */
    public record Outcome(int status, Object body, String jobId, boolean replayed) {
    }

    public Outcome submit(Submission s, String idempotencyKey) {
        Proceed claim = null;
        if (idempotencyKey != null) {
            Claim c = idempotency.claim(s.tenant(), idempotencyKey, s.fingerprint(), Ids::newJobId);
            if (c instanceof Replay r) {
                return new Outcome(r.status(), r.response(), r.id(), true);
            }
            claim = (Proceed) c;
        }
        String jobId = claim == null ? Ids.newJobId() : claim.id();
        boolean alreadySent = claim != null && claim.resumed() && ledger.seenOnTopic(jobId);
        try (JobLedger.Reservation reservation = alreadySent ? null : ledger.reserve(s.tenant(), 1)) {
            List<MediaRef> refs = resolve(s.tenant(), s.media());
            JobSubmitted event = event(jobId, s.tenant(), null, s.job(), refs);
            if (!alreadySent) {
                producer.send(event);
                reservation.submitted(jobId);
            }
            JobAccepted accepted = JobAccepted.of(event, config.resultsBaseUrl());
            if (claim != null) {
                completeQuietly(claim, accepted);
            }
            metrics.jobAccepted(s.source());
            LOG.infof("job %s accepted for tenant %s (%s, %d media)", jobId, s.tenant(), s.job().task().wire(),
                    refs.size());
            return new Outcome(202, accepted, jobId, false);
        } catch (ProblemException e) {
            if (claim != null) {
                abandonQuietly(claim, e.problem().status() >= 500);
            }
            throw e;
        } catch (RuntimeException e) {
            if (claim != null) {
                abandonQuietly(claim, true);
            }
            throw e;
        }
    }

    /** Stores or verifies every media item, in order. */
    public List<MediaRef> resolve(String tenant, List<MediaInput> media) {
        List<MediaRef> refs = new ArrayList<>(media.size());
        for (MediaInput m : media) {
            refs.add(switch (m) {
                case MediaInput.Attached a -> mediaStore.store(tenant, a.media());
                case MediaInput.Stored st -> mediaStore.lookup(tenant, st.sha256());
                case MediaInput.Upload u -> uploads.verifyAndStore(tenant, u.uploadId());
            });
        }
        return refs;
    }

    /** The event for a validated job and its resolved media; the default prompt is picked here. */
    public JobSubmitted event(String jobId, String tenant, String batchId, ValidatedJob job, List<MediaRef> refs) {
        boolean video = refs.stream().anyMatch(r -> r.kind() == MediaRef.Kind.video);
        var o = job.options();
        if (!video && (o.segmentSeconds() != null || o.startSeconds() != null || o.endSeconds() != null)) {
            throw Problems.invalidField("options", "segment_seconds, start_seconds and end_seconds apply to videos, "
                    + "and this job has none");
        }
        if (o.startSeconds() != null) {
            for (MediaRef r : refs) {
                if (r.durationSeconds() != null && o.startSeconds() >= r.durationSeconds()) {
                    throw Problems.invalidField("options.start_seconds", "start_seconds " + o.startSeconds()
                            + " is past the end of the video (" + r.durationSeconds() + " s)");
                }
            }
        }
        String prompt = job.prompt() != null ? job.prompt() : DefaultPrompts.of(job.task(), job.language(), video);
        return JobSubmitted.of(jobId, tenant, batchId, job.customId(), job.task(), prompt, refs, job.options(),
                job.model(), job.modelVersion(), job.priority(), job.callbackUrl());
    }

    private void completeQuietly(Proceed claim, Object response) {
        try {
            idempotency.complete(claim, 202, response);
        } catch (RuntimeException e) {
            // the job exists; a retry finds the claim pending with this job id and answers without a second job
            LOG.warnf("job %s accepted but its idempotency record was not updated: %s", claim.id(), e.toString());
        }
    }

    private void abandonQuietly(Proceed claim, boolean retryable) {
        try {
            if (retryable) {
                idempotency.release(claim);
            } else {
                idempotency.forget(claim);
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not release idempotency claim for %s: %s (it frees itself when its lease ends)",
                    claim.id(), e.toString());
        }
    }
}
