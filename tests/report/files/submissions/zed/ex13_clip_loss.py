def clip_loss(a, b, t=0.07:
    return (a @ b.T / t
