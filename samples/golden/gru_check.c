/* A float32 GRU step loop (layer 0, forward) checked against golden.h, written by
   lstm-latex golden weights.json -o golden.h: every gate's activation and h_t within the
   header's tolerances. Build: cc -std=c99 gru_check.c -lm && ./a.out */
#include <math.h>
#include <stdio.h>
#include "golden.h"

#define H GOLDEN_HIDDEN_SIZE

static int failures = 0;

static void expect(const char *name, int t, const float *got, const float *want, double tolerance) {
    for (int k = 0; k < H; k++)
        if (fabs((double)got[k] - (double)want[k]) > tolerance) {
            printf("t = %d, %s[%d]: %.9g here, %.9g in golden.h\n", t + 1, name, k, got[k], want[k]);
            failures++;
        }
}

static float sigmoid(float z) { return 1.0f / (1.0f + expf(-z)); }

int main(void) {
    float h[H], a[3 * H], b[3 * H], r[H], z[H], n[H]; /* a: W_ih x_t + b_ih, b: W_hh h_{t-1} + b_hh */
    for (int k = 0; k < H; k++) h[k] = h0[0][k];
    for (int t = 0; t < GOLDEN_SEQ_LEN; t++) {
        for (int row = 0; row < 3 * H; row++) { /* the gates r | z | n */
            a[row] = weights_bias_ih_l0[row];
            b[row] = weights_bias_hh_l0[row];
            for (int k = 0; k < GOLDEN_INPUT_SIZE; k++) a[row] += weights_weight_ih_l0[row][k] * x[t][k];
            for (int k = 0; k < H; k++) b[row] += weights_weight_hh_l0[row][k] * h[k];
        }
        for (int k = 0; k < H; k++) {
            r[k] = sigmoid(a[k] + b[k]);
            z[k] = sigmoid(a[H + k] + b[H + k]);
            n[k] = tanhf(a[2 * H + k] + r[k] * b[2 * H + k]);
            h[k] = (1.0f - z[k]) * n[k] + z[k] * h[k];
        }
        expect("r", t, r, l0_forward_gates_r_activation[t], L0_FORWARD_GATES_R_ACTIVATION_TOLERANCE);
        expect("z", t, z, l0_forward_gates_z_activation[t], L0_FORWARD_GATES_Z_ACTIVATION_TOLERANCE);
        expect("n", t, n, l0_forward_gates_n_activation[t], L0_FORWARD_GATES_N_ACTIVATION_TOLERANCE);
        expect("h", t, h, l0_forward_h[t], L0_FORWARD_H_TOLERANCE);
    }
    printf("%d steps, %d values outside the tolerances\n", GOLDEN_SEQ_LEN, failures);
    return failures != 0;
}
