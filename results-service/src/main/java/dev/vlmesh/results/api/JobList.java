package dev.vlmesh.results.api;

import java.util.List;

/** A page of jobs; pass {@code next_cursor} as {@code after} to get the next one. */
public record JobList(String object, List<JobView> data, boolean hasMore, String nextCursor) {
}
