/// The best `k` of a stream under a strict total order, kept in a bounded binary heap whose root is
/// the worst kept element: O(n log k) time and O(k) memory (§10.1), instead of sorting all n.
struct TopK<Element> {
    let capacity: Int
    /// `isBetter(a, b)`: a ranks before b. Must be a strict total order for a deterministic result.
    let isBetter: (Element, Element) -> Bool
    private var heap: [Element] = []

    init(capacity: Int, isBetter: @escaping (Element, Element) -> Bool) {
        precondition(capacity > 0, "TopK needs a positive capacity")
        self.capacity = capacity
        self.isBetter = isBetter
        heap.reserveCapacity(capacity)
    }

    var count: Int { heap.count }

    mutating func insert(_ element: Element) {
        if heap.count < capacity {
            heap.append(element)
            siftUp(heap.count - 1)
        } else if isBetter(element, heap[0]) {
            heap[0] = element
            siftDown(0)
        }
    }

    /// The kept elements, best first.
    func sorted() -> [Element] { heap.sorted(by: isBetter) }

    // Min-heap on "better": a parent is never better than its children, so the root is the worst.
    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard isBetter(heap[parent], heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var worst = left
            let right = left + 1
            if right < heap.count && isBetter(heap[left], heap[right]) { worst = right }
            guard isBetter(heap[parent], heap[worst]) else { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
