package dev.vlmesh.engine.convert;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The {@code data.pkl} of a PyTorch zip checkpoint holding {@code {'model': state_dict, 'checkpoint_version': 3.0}}
 * (or {@code model0}, {@code model1}, … per virtual-pipeline chunk), in pickle protocol 2 exactly as
 * {@code torch.save} lays it out: each tensor is {@code torch._utils._rebuild_tensor_v2(storage, 0, size, stride,
 * False, OrderedDict())} over a persistent storage {@code ('storage', torch.<T>Storage, key, 'cpu', numel)} whose
 * bytes are the zip entry {@code data/<key>}. Only globals on {@code torch.load(weights_only=True)}'s allow list are
 * used. No memo is written (it is optional).
 */
final class TorchPickle {

    /** One tensor of a state dict; its storage key is its index in the whole file. */
    record Tensor(String name, String dtype, long[] shape) {
    }

    /** A state dict under a top-level key ({@code model} or {@code model<chunk>}). */
    record StateDict(String key, List<Tensor> tensors) {
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private TorchPickle() {
    }

    static byte[] checkpoint(List<StateDict> dicts) {
        TorchPickle p = new TorchPickle();
        p.op(0x80).op(2); // PROTO 2
        p.op('}'); // EMPTY_DICT
        p.op('(');
        int key = 0;
        for (StateDict d : dicts) {
            p.string(d.key());
            p.global("collections", "OrderedDict").op(')').op('R');
            if (!d.tensors().isEmpty()) {
                p.op('(');
                for (Tensor t : d.tensors()) {
                    p.string(t.name());
                    p.tensor(t, key++);
                }
                p.op('u'); // SETITEMS
            }
        }
        p.string("checkpoint_version");
        p.op('G');
        p.raw(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(3.0).array());
        p.op('u');
        p.op('.');
        return p.out.toByteArray();
    }

    private void tensor(Tensor t, int storageKey) {
        long numel = 1;
        for (long d : t.shape()) {
            numel *= d;
        }
        global("torch._utils", "_rebuild_tensor_v2");
        op('(');
        op('(');
        string("storage");
        global("torch", Dtypes.torchStorage(t.dtype()));
        string(Integer.toString(storageKey));
        string("cpu");
        integer(numel);
        op('t');
        op('Q'); // BINPERSID
        integer(0); // storage offset
        tuple(t.shape());
        long[] stride = new long[t.shape().length];
        long s = 1;
        for (int i = stride.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= t.shape()[i];
        }
        tuple(stride);
        op(0x89); // NEWFALSE: requires_grad
        global("collections", "OrderedDict").op(')').op('R'); // backward hooks
        op('t');
        op('R');
    }

    private void tuple(long[] values) {
        switch (values.length) {
            case 0 -> op(')');
            case 1, 2, 3 -> {
                for (long v : values) {
                    integer(v);
                }
                op(0x85 + values.length - 1); // TUPLE1..3
            }
            default -> {
                op('(');
                for (long v : values) {
                    integer(v);
                }
                op('t');
            }
        }
    }

    private void integer(long v) {
        if (v >= 0 && v < 256) {
            op('K').op((int) v);
        } else if (v >= 0 && v < 65536) {
            op('M').op((int) (v & 0xff)).op((int) (v >>> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            // LONG1: little-endian two's complement, as short as possible
            byte[] b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
            int n = 8;
            while (n > 1 && ((b[n - 1] == 0 && (b[n - 2] & 0x80) == 0) || (b[n - 1] == -1 && (b[n - 2] & 0x80) != 0))) {
                n--;
            }
            op(0x8a).op(n);
            out.write(b, 0, n);
        }
    }

    private TorchPickle string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        raw(b);
        return this;
    }

    private TorchPickle global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    private TorchPickle op(int b) {
        out.write(b);
        return this;
    }

    private void raw(byte[] b) {
        out.write(b, 0, b.length);
    }
}
