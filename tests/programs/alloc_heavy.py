# An allocation-heavy Python program: many small objects (dicts, lists,
# tuples, strings, instances), reference cycles for the cycle collector,
# JSON round trips, sorting and threads. Its output depends only on the
# seed, so a run on tricolor must print exactly what a run on glibc prints.
import gc
import hashlib
import json
import random
import threading

random.seed(20261122)


class Node:
    __slots__ = ("key", "children", "parent", "payload")

    def __init__(self, key, parent=None):
        self.key = key
        self.children = []
        self.parent = parent
        self.payload = ("x" * (key % 97)) + str(key)


def build_tree(n):
    root = Node(0)
    nodes = [root]
    for k in range(1, n):
        parent = nodes[random.randrange(len(nodes))]
        child = Node(k, parent)
        parent.children.append(child)
        nodes.append(child)
    return root, nodes


def digest(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


results = {}

root, nodes = build_tree(100000)
results["tree_payload"] = sum(len(n.payload) for n in nodes)
results["tree_depth_sum"] = 0
for n in nodes[:: 97]:
    d = 0
    while n.parent is not None:
        n = n.parent
        d += 1
    results["tree_depth_sum"] += d
del root, nodes
results["gc_collected"] = gc.collect() >= 0

table = {}
for i in range(150000):
    key = "k%d" % random.randrange(100000)
    table.setdefault(key, []).append(random.random())
results["table_keys"] = len(table)
results["table_digest"] = digest({k: round(sum(v), 6) for k, v in table.items()})

words = ["".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(random.randrange(1, 12)))
         for _ in range(100000)]
words.sort()
results["words_digest"] = digest(words[::1000])
results["joined_len"] = len(" ".join(words))

doc = [{"id": i, "tags": [str(j) for j in range(i % 13)], "score": i * 0.5} for i in range(50000)]
text = json.dumps(doc)
back = json.loads(text)
results["json_len"] = len(text)
results["json_equal"] = back == doc

# Reference cycles freed only by the cycle collector.
for _ in range(20):
    ring = [[] for _ in range(5000)]
    for a, b in zip(ring, ring[1:] + ring[:1]):
        a.append(b)
    del ring
    gc.collect()

# Threads allocate and free in parallel; each returns a deterministic sum.
sums = [0] * 4


def worker(i):
    rnd = random.Random(i)
    acc = []
    total = 0
    for _ in range(30000):
        acc.append(bytes(rnd.randrange(1, 200)))
        if len(acc) > 500:
            total += sum(len(b) for b in acc)
            acc.clear()
    sums[i] = total


threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
results["thread_sums"] = sums

for k in sorted(results):
    print(k, results[k])
