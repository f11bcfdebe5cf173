/* A float32 LSTM step loop (layer 0, forward) checked against golden.h, written by
   lstm-latex golden weights.json -o golden.h: every gate's preactivation, c_t and h_t
   within the header's tolerances. Build: cc -std=c99 lstm_check.c -lm && ./a.out */
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
    float h[H], c[H], z[4 * H]; /* z: the preactivations of the gates i | f | g | o */
    for (int k = 0; k < H; k++) {
        h[k] = h0[0][k];
        c[k] = c0[0][k];
    }
    for (int t = 0; t < GOLDEN_SEQ_LEN; t++) {
        for (int r = 0; r < 4 * H; r++) { /* W_ih x_t + b_ih + W_hh h_{t-1} + b_hh */
            float sum = weights_bias_ih_l0[r] + weights_bias_hh_l0[r];
            for (int k = 0; k < GOLDEN_INPUT_SIZE; k++) sum += weights_weight_ih_l0[r][k] * x[t][k];
            for (int k = 0; k < H; k++) sum += weights_weight_hh_l0[r][k] * h[k];
            z[r] = sum;
        }
        for (int k = 0; k < H; k++) {
            float i = sigmoid(z[k]), f = sigmoid(z[H + k]), g = tanhf(z[2 * H + k]), o = sigmoid(z[3 * H + k]);
            c[k] = f * c[k] + i * g;
            h[k] = o * tanhf(c[k]);
        }
        expect("i", t, z, l0_forward_gates_i_preactivation[t], L0_FORWARD_GATES_I_PREACTIVATION_TOLERANCE);
        expect("f", t, z + H, l0_forward_gates_f_preactivation[t], L0_FORWARD_GATES_F_PREACTIVATION_TOLERANCE);
        expect("g", t, z + 2 * H, l0_forward_gates_g_preactivation[t], L0_FORWARD_GATES_G_PREACTIVATION_TOLERANCE);
        expect("o", t, z + 3 * H, l0_forward_gates_o_preactivation[t], L0_FORWARD_GATES_O_PREACTIVATION_TOLERANCE);
        expect("c", t, c, l0_forward_c[t], L0_FORWARD_C_TOLERANCE);
        expect("h", t, h, l0_forward_h[t], L0_FORWARD_H_TOLERANCE);
    }
    printf("%d steps, %d values outside the tolerances\n", GOLDEN_SEQ_LEN, failures);
    return failures != 0;
}
