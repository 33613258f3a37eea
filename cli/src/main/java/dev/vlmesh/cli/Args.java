package dev.vlmesh.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value}, {@code --name=value} and {@code --flag} options, plus positional arguments. */
public final class Args {

    private final Map<String, String> options = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    /**
     * @param flags option names that take no value
     */
    public static Args parse(List<String> raw, Set<String> flags) {
        Args a = new Args();
        for (int k = 0; k < raw.size(); k++) {
            String s = raw.get(k);
            if (s.equals("--")) {
                a.positional.addAll(raw.subList(k + 1, raw.size()));
                break;
            }
            if (s.startsWith("--") && s.length() > 2) {
                String name = s.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (flags.contains(name)) {
                    value = "true";
                } else {
                    if (k + 1 >= raw.size()) {
                        throw new CliException(ExitCodes.USAGE, "option --" + name + " needs a value");
                    }
                    value = raw.get(++k);
                }
                a.options.put(name, value);
            } else if (s.equals("-q")) {
                a.options.put("quiet", "true");
            } else if (s.equals("-h")) {
                a.options.put("help", "true");
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    public String option(String name) {
        return options.get(name);
    }

    public String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    public boolean flag(String name) {
        return "true".equals(options.get(name));
    }

    public Integer intOption(String name) {
        String v = options.get(name);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new CliException(ExitCodes.USAGE, "--" + name + " must be a whole number, not '" + v + "'");
        }
    }

    public Double doubleOption(String name) {
        String v = options.get(name);
        if (v == null) {
            return null;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new CliException(ExitCodes.USAGE, "--" + name + " must be a number, not '" + v + "'");
        }
    }

    public List<String> positional() {
        return positional;
    }

    /** Fails on options the command does not know, so typos do not pass silently. */
    public void allowOnly(Set<String> known) {
        for (String k : options.keySet()) {
            if (!known.contains(k)) {
                throw new CliException(ExitCodes.USAGE, "unknown option --" + k + " (see vlmesh --help)");
            }
        }
    }
}
