package dev.vlmesh.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Leftmost-longest exact matching of a set of added tokens (a character trie). */
final class AddedTokenMatcher {
    private static final class Node {
        final Map<Character, Node> next = new HashMap<>();
        AddedToken token;
    }

    private final Node root = new Node();
    private final boolean empty;

    AddedTokenMatcher(List<AddedToken> tokens) {
        for (AddedToken t : tokens) {
            Node n = root;
            for (int i = 0; i < t.content().length(); i++) {
                n = n.next.computeIfAbsent(t.content().charAt(i), k -> new Node());
            }
            n.token = t;
        }
        empty = tokens.isEmpty();
    }

    /** A match of an added token: text[start, end) is token. */
    record Match(int start, int end, AddedToken token) {
    }

    /** All non-overlapping matches, scanning left to right and taking the longest token at each start. */
    List<Match> findAll(String text) {
        List<Match> out = new ArrayList<>();
        if (empty) {
            return out;
        }
        int i = 0;
        int n = text.length();
        while (i < n) {
            Node node = root.next.get(text.charAt(i));
            if (node == null) {
                i++;
                continue;
            }
            AddedToken best = null;
            int bestEnd = -1;
            int j = i + 1;
            while (true) {
                if (node.token != null) {
                    best = node.token;
                    bestEnd = j;
                }
                if (j >= n) {
                    break;
                }
                node = node.next.get(text.charAt(j));
                if (node == null) {
                    break;
                }
                j++;
            }
            if (best != null) {
                out.add(new Match(i, bestEnd, best));
                i = bestEnd;
            } else {
                i++;
            }
        }
        return out;
    }
}
