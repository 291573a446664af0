"""The notebook's modules and optimizers as source text, in the homework's
names and API, each doing the very operations ``training.Run`` does
(functions.py, modules.py, losses.py, optim.py) -- its fused ``[W; W0.T]``
products included -- so that a replay in float64 ends at the run's weights.
``export_notebook.py`` puts the ones a network uses into its cells.
"""
from __future__ import annotations

MODULES = {
    "Linear": '''\
class Linear(Module):
    def __init__(self, m, n, rng):
        self.m, self.n = m, n                       # in size, out size
        W, W0 = init_weights(m, n, rng)
        self.W, self.W0 = W.astype(DTYPE), W0.astype(DTYPE)   # m x n, n x 1

    def forward(self, A):                           # A: m x b
        # Z = W.T @ A + W0 (n x b), as one product [W; W0.T].T @ [A; 1s] like
        # the page computes it, so that every bit agrees with the page
        self.A1 = np.vstack([A, np.ones((1, A.shape[1]), A.dtype)])
        return np.dot(np.vstack([self.W, self.W0.T]).T, self.A1)

    def backward(self, dLdZ):                       # dLdZ: n x b
        G = np.dot(self.A1, dLdZ.T)                 # [dLdW; dLdW0.T]: (m + 1) x n
        self.dLdW, self.dLdW0 = G[:-1], G[-1:].T    # m x n, n x 1
        return np.dot(self.W, dLdZ)                 # dLdA: m x b''',
    "ReLU": '''\
class ReLU(Module):
    def forward(self, Z):
        self.Z = Z
        return np.maximum(Z, 0)

    def backward(self, dLdA):                       # derivative 0 at 0
        return dLdA * (self.Z > 0.0)''',
    "Tanh": '''\
class Tanh(Module):
    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * (1.0 - self.A * self.A)''',
    "Sigmoid": '''\
def sigmoid(Z):                                     # two branches: exp never overflows
    A = np.empty_like(Z)
    pos = Z >= 0
    A[pos] = 1.0 / (1.0 + np.exp(-Z[pos]))
    eZ = np.exp(Z[~pos])
    A[~pos] = eZ / (1.0 + eZ)
    return A


class Sigmoid(Module):
    def forward(self, Z):
        self.A = sigmoid(Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * (self.A * (1.0 - self.A))''',
    "Identity": '''\
class Identity(Module):
    def forward(self, Z):
        return Z

    def backward(self, dLdA):
        return dLdA

    def class_fun(self, Ypred):                     # k x b -> (b,)
        return np.argmax(Ypred, axis=0)''',
    "SoftMax": '''\
class SoftMax(Module):
    def forward(self, Z):                           # k x b; subtracting the max avoids overflow
        shift = Z.max(axis=0, keepdims=True)
        E = np.exp(Z - shift)
        total = E.sum(axis=0, keepdims=True)
        self.log_A = Z - (np.log(total) + shift)    # log softmax, exact where A underflows to 0
        return E / total

    def backward(self, dLdZ):                       # paired with NLL, which returns dL/dZ
        return dLdZ

    def class_fun(self, Ypred):                     # k x b -> (b,)
        return np.argmax(Ypred, axis=0)''',
    "SigmoidOutput": '''\
class SigmoidOutput(Sigmoid):                       # one unit: P(class 2 (index 1))
    def backward(self, dLdZ):                       # paired with BinaryNLL, which returns dL/dZ
        return dLdZ

    def class_fun(self, Ypred):                     # 1 x b -> (b,)
        return (Ypred[0] > 0.5).astype(int)''',
    "NLL": '''\
class NLL(Module):                                  # with SoftMax: dL/dZ = Ypred - Y
    def point_losses(self, Ypred, Y):               # (b,); log Ypred from the softmax's logits
        return -np.sum(self.output.log_A * Y, axis=0)

    def forward(self, Ypred, Y):
        self.Ypred, self.Y = Ypred, Y
        return -float(np.sum(self.output.log_A * Y))

    def backward(self):
        return self.Ypred - self.Y''',
    "BinaryNLL": '''\
class BinaryNLL(Module):                            # with SigmoidOutput: dL/dZ = p - y
    def point_losses(self, Ypred, Y):               # (b,)
        eps = np.finfo(Ypred.dtype).eps             # p in [eps, 1 - eps]: never log(0)
        p = np.clip(Ypred, eps, 1.0 - eps)
        return -np.sum(Y * np.log(p) + (1.0 - Y) * np.log1p(-p), axis=0)

    def forward(self, Ypred, Y):
        self.Ypred, self.Y = Ypred, Y
        return float(np.sum(self.point_losses(Ypred, Y)))

    def backward(self):
        return self.Ypred - self.Y''',
    "SquaredLoss": '''\
class SquaredLoss(Module):                          # with an Identity output
    def point_losses(self, Ypred, Y):               # (b,)
        return np.sum((Ypred - Y) * (Ypred - Y), axis=0)

    def forward(self, Ypred, Y):
        self.Ypred, self.Y = Ypred, Y
        return float(np.sum((Ypred - Y) * (Ypred - Y)))

    def backward(self):
        return 2.0 * (self.Ypred - self.Y)''',
}

MODULE_BASE = '''\
class Module:
    pass'''

SEQUENTIAL = '''\
class Sequential:
    def __init__(self, modules, loss):
        self.modules, self.loss = modules, loss
        loss.output = modules[-1]

    def forward(self, Xt):                          # Xt: d x b
        for m in self.modules:
            Xt = m.forward(Xt)
        return Xt

    def backward(self, delta):                      # delta = loss.backward()
        for m in self.modules[::-1]:                # note the reversed list
            delta = m.backward(delta)

    def linears(self):
        return [m for m in self.modules if isinstance(m, Linear)]'''

OPTIMIZER_CLASSES = {"sgd": "SGD", "adam": "Adam"}
OPTIMIZER_SOURCE = {
    "sgd": '''\
class SGD:
    """As torch.optim.SGD (dampening 0, not Nesterov):
    g += weight_decay p;  buf = momentum buf + g;  p -= lr buf  (buf = g for momentum 0)."""
    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.bufs = [np.zeros_like(p) for p in params]

    def step(self, params, grads):                  # every p updated in place
        for p, g, buf in zip(params, grads, self.bufs):
            if self.weight_decay:
                g = g + p * self.weight_decay
            if self.momentum:
                buf *= self.momentum
                buf += g
                g = buf
            p -= g * self.lr''',
    "adam": '''\
class Adam:
    """As torch.optim.Adam, step t = 1, 2, ...:  g += weight_decay p;
    m += (1 - beta1)(g - m);  v = beta2 v + (1 - beta2) g^2;
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)."""
    def __init__(self, params, lr, beta1, beta2, eps, weight_decay=0.0):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.weight_decay, self.t = weight_decay, 0
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]

    def step(self, params, grads):                  # every p updated in place
        self.t += 1
        step_size = self.lr / (1 - self.beta1 ** self.t)
        correction = math.sqrt(1 - self.beta2 ** self.t)
        for p, g, m, v in zip(params, grads, self.ms, self.vs):
            if self.weight_decay:
                g = g + p * self.weight_decay
            m += (g - m) * (1 - self.beta1)
            v *= self.beta2
            v += (g * g) * (1 - self.beta2)
            p -= (m / (np.sqrt(v) / correction + self.eps)) * step_size''',
}
