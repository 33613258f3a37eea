package dev.vlmesh.ingest.batches;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vlmesh.events.Ids;
import dev.vlmesh.events.JobSubmitted;
import dev.vlmesh.events.MediaRef;
import dev.vlmesh.events.quarkus.Problem;
import dev.vlmesh.events.quarkus.Problem.ProblemException;
import dev.vlmesh.ingest.IngestConfig;
import dev.vlmesh.ingest.api.JsonBodies;
import dev.vlmesh.ingest.api.Problems;
import dev.vlmesh.ingest.batches.BatchAccepted.AcceptedLine;
import dev.vlmesh.ingest.batches.BatchAccepted.LineError;
import dev.vlmesh.ingest.idempotency.IdempotencyStore;
import dev.vlmesh.ingest.idempotency.IdempotencyStore.Claim;
import dev.vlmesh.ingest.idempotency.IdempotencyStore.Proceed;
import dev.vlmesh.ingest.idempotency.IdempotencyStore.Replay;
import dev.vlmesh.ingest.jobs.Fingerprints;
import dev.vlmesh.ingest.jobs.JobAccepted;
import dev.vlmesh.ingest.jobs.JobRequest;
import dev.vlmesh.ingest.jobs.JobRequestValidator;
import dev.vlmesh.ingest.jobs.JobService;
import dev.vlmesh.ingest.jobs.JobService.Outcome;
import dev.vlmesh.ingest.jobs.MediaInput;
import dev.vlmesh.ingest.jobs.SubmissionProducer;
import dev.vlmesh.ingest.jobs.ValidatedJob;
import dev.vlmesh.ingest.media.Sha256;
import dev.vlmesh.ingest.metrics.IngestMetrics;
import dev.vlmesh.ingest.tenants.JobLedger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * JSON Lines batches, like OpenAI's Batch API: every line is a job request with its {@code custom_id} (either the
 * request itself or an envelope {@code {"custom_id", "method", "url", "body"}}), referencing media by digest or upload.
 * Bad lines are reported per line; the good ones are submitted in one Kafka transaction, so a batch's jobs appear
 * together or not at all. Job ids are derived from the batch id and line number, so a retry of a failed batch (same
 * Idempotency-Key, same batch id) produces the same job ids.
 */
@ApplicationScoped
public class BatchService {
    private static final Logger LOG = Logger.getLogger(BatchService.class);

    @Inject
    IngestConfig config;

    @Inject
    JobRequestValidator validator;

    @Inject
    JobService jobs;

    @Inject
    IdempotencyStore idempotency;

    @Inject
    JobLedger ledger;

    @Inject
    SubmissionProducer producer;

    @Inject
    IngestMetrics metrics;

    private record Line(int number, String customId, ValidatedJob job, List<MediaInput> media) {
    }

    public Outcome submit(String tenant, byte[] body, String idempotencyKey, String acceptLanguage) {
        List<LineError> errors = new ArrayList<>();
        List<Line> lines = parse(body, acceptLanguage, errors);
        int total = lines.size() + errors.size();
        if (total == 0) {
            throw Problems.badRequest("the batch is empty: send one JSON job request per line");
        }
        Proceed claim = null;
        if (idempotencyKey != null) {
            Claim c = idempotency.claim(tenant, idempotencyKey, Fingerprints.ofBytes(body), Ids::newBatchId);
            if (c instanceof Replay r) {
                return new Outcome(r.status(), r.response(), r.id(), true);
            }
            claim = (Proceed) c;
        }
        String batchId = claim == null ? Ids.newBatchId() : claim.id();
        try {
            List<JobSubmitted> events = new ArrayList<>();
            List<AcceptedLine> accepted = new ArrayList<>();
            try (JobLedger.Reservation reservation = lines.isEmpty() ? null : ledger.reserve(tenant, lines.size())) {
                for (Line line : lines) {
                    try {
                        List<MediaRef> refs = jobs.resolve(tenant, line.media());
                        JobSubmitted e = jobs.event(jobId(batchId, line.number()), tenant, batchId, line.job(), refs);
                        events.add(e);
                        accepted.add(new AcceptedLine(line.number(), line.customId(), e.jobId(),
                                JobAccepted.of(e, config.resultsBaseUrl()).links()));
                    } catch (ProblemException p) {
                        if (p.problem().status() >= 500) {
                            throw p;
                        }
                        errors.add(lineError(line.number(), line.customId(), p.problem()));
                    }
                }
                errors.sort((a, b) -> Integer.compare(a.line(), b.line()));
                if (events.isEmpty()) {
                    throw new ProblemException(Problem.of(422, "invalid-batch", "No valid line",
                            "none of the " + total + " lines is a valid job request; see 'errors'")
                            .with("errors", errors));
                }
                boolean alreadySent = claim != null && claim.resumed()
                        && events.stream().allMatch(e -> ledger.seenOnTopic(e.jobId()));
                if (!alreadySent) {
                    producer.sendAtomically(events);
                }
                events.forEach(e -> reservation.submitted(e.jobId()));
            }
            BatchAccepted result = new BatchAccepted(batchId, "batch", Instant.now(), total, events.size(),
                    errors.size(), accepted, errors);
            if (claim != null) {
                try {
                    idempotency.complete(claim, 202, result);
                } catch (RuntimeException e) {
                    LOG.warnf("batch %s accepted but its idempotency record was not updated: %s", batchId, e);
                }
            }
            events.forEach(e -> metrics.jobAccepted("batch"));
            errors.forEach(e -> metrics.rejected(e.type(), e.status()));
            LOG.infof("batch %s accepted for tenant %s: %d jobs, %d lines refused", batchId, tenant, events.size(),
                    errors.size());
            return new Outcome(202, result, batchId, false);
        } catch (ProblemException e) {
            abandon(claim, e.problem().status() >= 500);
            throw e;
        } catch (RuntimeException e) {
            abandon(claim, true);
            throw e;
        }
    }

    private List<Line> parse(byte[] body, String acceptLanguage, List<LineError> errors) {
        String text = new String(body, StandardCharsets.UTF_8);
        String[] raw = text.split("\r?\n", -1);
        int nonEmpty = 0;
        for (String r : raw) {
            if (!r.isBlank()) {
                nonEmpty++;
            }
        }
        if (nonEmpty > config.limits().batchMaxLines()) {
            throw Problems.tooLarge("the batch has " + nonEmpty + " lines; the limit is "
                    + config.limits().batchMaxLines());
        }
        List<Line> lines = new ArrayList<>();
        Set<String> customIds = new HashSet<>();
        for (int i = 0; i < raw.length; i++) {
            String s = raw[i];
            int number = i + 1;
            if (s.isBlank()) {
                continue;
            }
            String customId = null;
            try {
                JsonNode node = JsonBodies.STRICT.readTree(s);
                if (node == null || !node.isObject()) {
                    throw Problems.badRequest("line " + number + " is not a JSON object");
                }
                JsonNode request = node;
                if (node.has("body")) {
                    // OpenAI-style envelope: {"custom_id", "method", "url", "body"}
                    customId = text(node, "custom_id");
                    String url = text(node, "url");
                    if (url != null && !url.equals("/v1/jobs")) {
                        throw Problems.invalidField("url", "batch lines can only create jobs (url /v1/jobs), not '"
                                + url + "'");
                    }
                    request = node.get("body");
                    if (!request.isObject()) {
                        throw Problems.invalidField("body", "'body' must be a job request object");
                    }
                    if (customId != null && !request.has("customId") && !request.has("custom_id")) {
                        ((ObjectNode) request).put("custom_id", customId);
                    }
                }
                JobRequest req = JsonBodies.convert(request, JobRequest.class, "line " + number);
                customId = req.customId() != null ? req.customId() : customId;
                if (customId == null || customId.isBlank()) {
                    throw Problems.invalidField("custom_id", "every batch line needs a custom_id to match results "
                            + "to requests");
                }
                if (!customIds.add(customId)) {
                    throw Problems.invalidField("custom_id", "custom_id '" + customId + "' is used by an earlier "
                            + "line of this batch");
                }
                ValidatedJob job = validator.validate(req, acceptLanguage, 0);
                List<MediaInput> media = new ArrayList<>();
                for (JobRequest.MediaSpec m : JobRequestValidator.normalisedMedia(req.media())) {
                    media.add(m.sha256() != null ? new MediaInput.Stored(m.sha256())
                            : new MediaInput.Upload(m.uploadId()));
                }
                lines.add(new Line(number, customId, job, media));
            } catch (ProblemException p) {
                errors.add(lineError(number, customId, p.problem()));
            } catch (IOException e) {
                errors.add(lineError(number, customId, JsonBodies.problem(e, "line " + number).problem()));
            }
        }
        return lines;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static LineError lineError(int line, String customId, Problem p) {
        Object field = p.extensionMembers().get("field");
        String type = p.type().toString();
        return new LineError(line, customId, p.status(), type.substring(type.lastIndexOf('/') + 1), p.detail(),
                field == null ? null : field.toString());
    }

    /** Stable per line: a retried batch (same id) gets the same job ids. */
    static String jobId(String batchId, int line) {
        return "job_" + Sha256.of((batchId + "/" + line).getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    }

    private void abandon(Proceed claim, boolean retryable) {
        if (claim == null) {
            return;
        }
        try {
            if (retryable) {
                idempotency.release(claim);
            } else {
                idempotency.forget(claim);
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not release the idempotency claim of batch %s: %s", claim.id(), e.toString());
        }
    }
}
